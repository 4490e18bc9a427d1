// Runs before `npm start` and `npm test` (the prestart and pretest scripts): npm only warns
// when Node is outside package.json `engines` (engine-strict is off by default), and the
// failure that follows on an old Node is an obscure one deep in a dependency. So say it here,
// in one sentence, with what to do.
//
// Node 24 LTS is the version the project is built and tested on (`.ci/run` fetches it where
// the machine is older). `engines` is what every dependency accepts (^22.13 || >=24.11).
// Node 20.19 to 24.10 get a warning and go on (every test passes on 20.19 and 24.x, and
// `npm start` and `npm test` must keep working on a fresh machine with the Node it has);
// older ones are refused: they cannot require() the ESM-only packages (NestJS 12).
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
} else if (major < 24 || (major === 24 && minor < 11)) {
  const ok = major === 22 && minor >= 13;
  console.warn(
    `warning: conflict-monitor is built and tested on Node 24 LTS; this is Node ${process.version}` +
      (ok
        ? ' (supported, not tested in CI)'
        : ', which some dependencies do not accept (it still runs)') +
      `: ${fetchHint}.`,
  );
}
