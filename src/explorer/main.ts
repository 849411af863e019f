import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import './explorer.css';

/**
 * GraphiQL, bundled from the installed packages at build time (no CDN): the service renders the page
 * with the endpoint and a development token in data attributes, so a first query works as is.
 */
const root = document.getElementById('explorer');
if (root === null) throw new Error('the explorer page has no #explorer element');
const token = root.dataset['token'] ?? '';

const DEFAULT_QUERY = `# A development SUPPORT token is in the Headers tab; replace it with another role's
# (npm run -s token -- --role CUSTOMER --sub c_1) to see what that caller sees.
{
  viewer { subject role }
  refunds(first: 5) {
    edges { node { id orderId status amount { amount currency } createdAt } }
  }
}
`;

createRoot(root).render(
  createElement(GraphiQL, {
    fetcher: createGraphiQLFetcher({ url: root.dataset['endpoint'] ?? '/graphql' }),
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {}, null, 2),
    // The token is minted per page load; a stored copy would expire.
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
  }),
);
