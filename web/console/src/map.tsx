import { geoEqualEarth, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry, MultiPoint } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import type { Report } from './types';

const WIDTH = 800;
const HEIGHT = 480;

/** How far a report's place may be from its point, by precision, in km (drawn as a circle). */
export const PRECISION_RADIUS_KM: Record<string, number> = {
  exact: 0,
  near: 10,
  region: 60,
  sea: 120,
  country: 250,
};

const topology = world as unknown as Topology<{ countries: GeometryCollection }>;
const countries = feature(topology, topology.objects.countries) as FeatureCollection<Geometry>;

/**
 * Located reports over Natural Earth's country outlines (world-atlas, 1:110m), drawn as SVG
 * in the page: no tile server, nothing fetched. An exact point is a dot; a vaguer place is a
 * circle as wide as its precision allows, dashed.
 */
export function ReportMap({ reports }: { reports: Report[] }) {
  const located = reports.filter((report) => report.location);
  const projection = geoEqualEarth();
  if (located.length > 0) {
    const points: MultiPoint = {
      type: 'MultiPoint',
      coordinates: located.flatMap((report) => {
        const { lon, lat } = report.location!;
        // Some margin around the marks, so a lone point is not the whole map.
        return [
          [lon - 3, lat - 2],
          [lon + 3, lat + 2],
        ];
      }),
    };
    projection.fitExtent(
      [
        [16, 16],
        [WIDTH - 16, HEIGHT - 16],
      ],
      points,
    );
  } else {
    projection.fitSize([WIDTH, HEIGHT], { type: 'Sphere' } as never);
  }
  const path = geoPath(projection);
  return (
    <figure class="map">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="map-title"
        class="map-svg"
      >
        <title id="map-title">
          Map of {located.length} located reports ({reports.length - located.length} without a
          place)
        </title>
        <rect width={WIDTH} height={HEIGHT} class="sea" />
        <g class="countries">
          {countries.features.map((country: Feature<Geometry>, index) => (
            <path key={index} d={path(country) ?? undefined} />
          ))}
        </g>
        <g class="marks">
          {located.map((report) => {
            const { lon, lat, precision, name } = report.location!;
            const [x, y] = projection([lon, lat]) ?? [0, 0];
            const km = PRECISION_RADIUS_KM[precision] ?? 0;
            const edge = projection([lon, lat + km / 111]) ?? [x, y];
            const radius = km === 0 ? 4 : Math.max(7, Math.hypot(edge[0] - x, edge[1] - y));
            return (
              <a href={`#/reports/${encodeURIComponent(report.reportId)}`} key={report.reportId}>
                <circle
                  class={`mark mark-${report.type} precision-${precision}`}
                  data-report-id={report.reportId}
                  data-precision={precision}
                  cx={x}
                  cy={y}
                  r={radius}
                >
                  <title>
                    {report.reportId}: {report.type.replace(/_/g, ' ')} at{' '}
                    {name ?? `${lat}, ${lon}`} ({precision})
                  </title>
                </circle>
              </a>
            );
          })}
        </g>
      </svg>
      <figcaption>
        <span class="legend-dot" /> exact place &nbsp; <span class="legend-area" /> place known to a
        region (circle: how far it may be). Outlines: Natural Earth 1:110m.
      </figcaption>
    </figure>
  );
}
