import { CONTRACT_SCHEMA_NAMES, contractSchemas } from './contract-schemas';

describe('contractSchemas', () => {
  const schemas: Record<string, any> = contractSchemas();

  it('then it holds the request bodies, the stored report and every schema they refer to, nothing else', () => {
    expect(Object.keys(schemas).sort()).toEqual(
      [
        'BatchEnvelopeDto',
        'CasualtyDetailsDto',
        'CeasefireViolationDetailsDto',
        'CorrectionDto',
        'CountEstimateDto',
        'DeploymentDetailsDto',
        'EquipmentDto',
        'LocationDto',
        'ReportDto',
        'RetractionDto',
        'SanctionConditionDto',
        'SanctionDemandDetailsDto',
        'SanctionDto',
        'SourceDto',
        'StoredReport',
      ].sort(),
    );
    for (const name of Object.values(CONTRACT_SCHEMA_NAMES)) expect(schemas[name]).toBeDefined();
    const refs = collectRefs(schemas);
    expect(refs.size).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.replace('#/components/schemas/', '')]).toBeDefined();
    }
  });

  it('then a stored report is the report with its version, required', () => {
    const stored = schemas[CONTRACT_SCHEMA_NAMES.storedReport];
    expect(stored.properties).toEqual({
      ...schemas.ReportDto.properties,
      version: expect.objectContaining({ type: 'integer' }),
    });
    expect(stored.required).toEqual([...schemas.ReportDto.required, 'version']);
    expect(stored.additionalProperties).toBe(false);
  });

  it('then every object rejects unknown fields', () => {
    for (const schema of Object.values(schemas)) {
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });

  it('then the envelope says what is required, the enums, patterns and formats', () => {
    const report = schemas.ReportDto;
    expect(report.required.sort()).toEqual(
      ['details', 'occurredAt', 'reportId', 'reportedAt', 'source', 'theatre', 'type'].sort(),
    );
    expect(report.properties.reportId.pattern).toBe('^[A-Za-z0-9._:-]{1,128}$');
    expect(report.properties.type.enum).toEqual([
      'deployment',
      'casualty',
      'ceasefire_violation',
      'sanction_demand',
    ]);
    expect(report.properties.occurredAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(report.properties.occurredPrecision.default).toBe('day');
    expect(report.properties.source).toEqual({ $ref: '#/components/schemas/SourceDto' });
    expect(report.properties.details.oneOf).toHaveLength(4);
    expect(schemas.SourceDto.properties.credibility).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 6,
    });
    expect(schemas.SourceDto.properties.url.format).toBe('uri');
    expect(schemas.LocationDto.properties.country.enum).toContain('UA');
    expect(schemas.CountEstimateDto).toMatchObject({
      required: ['best'],
      properties: { best: { type: 'integer', minimum: 0 } },
    });
  });

  it('then lists say their item type and size', () => {
    expect(schemas.SanctionDemandDetailsDto.properties.sanctions).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/SanctionDto' },
      minItems: 1,
      maxItems: 50,
    });
    expect(schemas.BatchEnvelopeDto.properties.reports).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/ReportDto' },
      minItems: 1,
      maxItems: 1000,
    });
    expect(schemas.DeploymentDetailsDto.anyOf).toEqual([
      { required: ['personnel'] },
      { required: ['equipment'] },
    ]);
  });

  it('then each call returns a copy the caller may change', () => {
    const first: any = contractSchemas();
    first.ReportDto.properties = {};
    expect(Object.keys((contractSchemas() as any).ReportDto.properties)).toContain('reportId');
  });
});

function collectRefs(value: unknown, refs = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (value !== null && typeof value === 'object') {
    for (const [key, field] of Object.entries(value)) {
      if (key === '$ref' && typeof field === 'string') refs.add(field);
      else collectRefs(field, refs);
    }
  }
  return refs;
}
