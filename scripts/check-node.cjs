// Runs before `npm start` and `npm test` (the prestart and pretest scripts): npm only warns
// when Node is older than package.json `engines` (engine-strict is off by default), and the
// failure that follows on an old Node is an obscure one deep in a dependency. So say it here,
// in one sentence, with what to do.
//
// Node 24 LTS is the version the project is built and tested on (`.ci/run` fetches it where
// the machine is older). Node 20.19 and 22 still run every test, so they only get a warning:
// `npm start` and `npm test` must keep working on a fresh machine with the Node it has.
// Older ones are refused: they cannot require() the ESM-only packages (NestJS 12).
'use strict';

const [major, minor] = process.versions.node.split('.').map(Number);
const fetchHint =
  'install Node 24 LTS (https://nodejs.org, or `nvm install 24`), or on Linux x64 run ' +
  '`export PATH="$(.ci/node-24):$PATH"` (fetches Node 24 from the npm registry)';

if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `conflict-monitor needs Node 24 LTS (20.19 at the least); this is Node ${process.version}: ${fetchHint}, then run the command again.`,
  );
  process.exit(1);
} else if (major < 24) {
  console.warn(
    `warning: conflict-monitor is built and tested on Node 24 LTS; this is Node ${process.version}, ` +
      `which has reached or nears its end of life (it still runs): ${fetchHint}.`,
  );
}
