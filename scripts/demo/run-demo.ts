import { demoOptions, runDemo } from './demo';

/**
 * `npm run demo [-- --ingest-url <url> --query-url <url> --metrics-url <url> ...]`: tells the
 * Tarn valley story to a running monitor (`npm start`) or to the distributed mode's ingest and
 * query services, and prints what they make of it (demo.ts). MONITOR_URL (default
 * http://127.0.0.1:3000), INGEST_URL, QUERY_URL, METRICS_URLS and API_KEY (a key with the
 * ingest and read roles, when the server has API_KEYS) say where and as whom.
 */
async function main(): Promise<void> {
  const options = demoOptions(process.argv.slice(2), process.env);
  await runDemo(options, (text) => console.log(text));
}

main().catch((error: unknown) => {
  console.error(`\nThe demo stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
