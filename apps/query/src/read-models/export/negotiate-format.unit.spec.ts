import { negotiateReportFormat } from './negotiate-format';

describe('negotiateReportFormat', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['text/csv; charset=utf-8', 'csv'],
    ['text/csv, */*;q=0.1', 'csv'],
    ['text/csv, */*', 'csv'],
    ['text/*', 'csv'],
    ['application/geo+json', 'geojson'],
    ['application/json;q=0.5, application/geo+json', 'geojson'],
    ['text/csv;q=0.2, application/json', 'json'],
    ['image/png', 'json'],
    ['text/csv;q=0', 'json'],
  ])('%s -> %s', (accept, format) => {
    expect(negotiateReportFormat(accept)).toBe(format);
  });
});
