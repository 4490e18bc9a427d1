// Runs before `npm start` and `npm test` (the prestart and pretest scripts): npm only warns
// when Node is older than package.json `engines` (engine-strict is off by default), and the
// failure that follows on an old Node is an obscure one deep in a dependency. So say it here,
// in one sentence, with what to do.
//
// Node 24 LTS is the version the project is built and tested on. Node 22 still runs it (the
// oldest that the dependencies accept: nestjs-pino, cookie, content-disposition, file-type),
// so it only gets a warning; older ones are refused.
'use strict';

const [major] = process.versions.node.split('.').map(Number);
const fetchHint =
  'install Node 24 LTS (https://nodejs.org, or `nvm install 24`), or on Linux x64 run ' +
  '`export PATH="$(.ci/node-24):$PATH"` (fetches Node 24 from the npm registry), ' +
  'then run the command again';

if (major < 22) {
  console.error(
    `conflict-monitor needs Node 24 LTS (22 at the least); this is Node ${process.version}: ${fetchHint}.`,
  );
  process.exit(1);
} else if (major < 24) {
  console.warn(
    `warning: conflict-monitor is built and tested on Node 24 LTS; this is Node ${process.version}.`,
  );
}
