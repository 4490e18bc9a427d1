// `npm run lint`: tsc's noUncheckedIndexedAccess (an index into an array or record may be
// undefined) for the libraries where a wrong position or row loses or repeats events:
// libs/event-store and libs/messaging, whose own tsconfig.json turns it on (so editors and
// ESLint see it too). tsc -p would also report the files they import from other libraries,
// so this asks the compiler for the diagnostics of their own files only, tests excepted.
'use strict';

const ts = require('typescript');
const { join, relative, sep } = require('node:path');

const root = join(__dirname, '..');
const libraries = ['libs/event-store', 'libs/messaging'];
const diagnostics = [];
for (const library of libraries) {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, library, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
  for (const file of program.getSourceFiles()) {
    const path = relative(root, file.fileName).split(sep).join('/');
    if (!path.startsWith(`${library}/`) || path.endsWith('.spec.ts')) continue;
    diagnostics.push(
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    );
  }
}
if (diagnostics.length > 0) {
  console.error(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    }),
  );
  console.error(
    `noUncheckedIndexedAccess: ${diagnostics.length} errors in ${libraries.join(', ')}`,
  );
  process.exit(1);
}
