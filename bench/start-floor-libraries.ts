/**
 * The libraries the service cannot answer a GraphQL request without, loaded whole (namespaces, so a
 * bundler keeps every module of each): the floor of `bench:start` loads this and nothing else.
 */
import 'reflect-metadata';
import * as apollo from '@apollo/server';
import * as apolloFastify from '@as-integrations/fastify';
import * as mikroOrm from '@mikro-orm/core';
import * as mikroOrmPostgres from '@mikro-orm/postgresql';
import * as fastify from 'fastify';
import * as graphql from 'graphql';
import * as pg from 'pg';
import * as typeGraphql from 'type-graphql';

export const libraries = {
  apollo,
  apolloFastify,
  mikroOrm,
  mikroOrmPostgres,
  fastify,
  graphql,
  pg,
  typeGraphql,
};
