import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findBadInput } from './input-guard.js';

const schema = buildSchema(`
  input Note { text: String!, ownerId: String }
  type Query { note(id: ID!, note: Note): String }
`);

describe('findBadInput', () => {
  it('checks each request’s variables, though a document’s arguments are typed once', () => {
    const document = parse(`query ($id: ID!, $text: String!) { note(id: $id, note: { text: $text }) }`);
    expect(findBadInput(schema, document, { id: 'rf_1', text: 'fine' })).toBeNull();
    expect(findBadInput(schema, document, { id: 'rf_1', text: 'nul\u0000' })).toEqual({
      field: 'note.text',
      message: 'text contains a control character',
    });
    expect(findBadInput(schema, document, { id: 'not an id', text: 'fine' })?.field).toBe('id');
    expect(findBadInput(schema, document, { id: 'rf_2', text: 'fine' })).toBeNull();
  });

  it('checks literals and owner ids inside input objects', () => {
    const document = parse(`{ note(id: "rf_1", note: { text: "ok", ownerId: "a b" }) }`);
    expect(findBadInput(schema, document, {})?.field).toBe('note.ownerId');
  });
});
