/** csv-parse's synchronous API, re-exported for the fuzz tests. */
export { parse as csvParse } from 'csv-parse/sync';
