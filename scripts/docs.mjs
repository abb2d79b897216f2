// Generates the API reference (TypeDoc) into docs/ from the TSDoc of the public entry points:
// those package.json `exports` names (".", "./async", "./shared", "./worker", "./redis"…), each
// mapped from its dist/*.d.ts back to its src/*.ts and titled by its import name ("weft/async").
// An entry whose source is not there yet is skipped with a note. Exits 1 on a TypeDoc error;
// warnings (TSDoc mistakes, links that resolve nowhere) are printed and counted.
import { existsSync, readFileSync } from 'node:fs';
import { Application, Converter, ReflectionKind } from 'typedoc';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && typeof target.types === 'string')
  .map(([key, target]) => ({
    name: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
    source: target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'),
  }));
const present = entries.filter((e) => existsSync(e.source));
for (const e of entries) if (!present.includes(e)) console.warn(`docs: skipping ${e.name}: ${e.source} does not exist yet`);

const app = await Application.bootstrapWithPlugins({
  entryPoints: present.map((e) => e.source),
  tsconfig: 'tsconfig.build.json',
  out: 'docs',
  name: `${pkg.name} ${pkg.version}`,
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  sort: ['source-order'],
  validation: { notExported: true, invalidLink: true, notDocumented: false },
  // No source links: a clone has no stable remote to link to, and the pages name no file paths.
  disableSources: true,
});

// Title each module by the name it is imported by, not by its file path.
app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
  if (!reflection.kindOf(ReflectionKind.Module)) return;
  const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName ?? '';
  const entry = present.find((e) => file.endsWith(e.source));
  if (entry) reflection.name = entry.name;
});

const project = await app.convert();
if (!project) process.exit(1);
app.validate(project);
await app.generateDocs(project, 'docs');
console.log(`docs: ${present.map((e) => e.name).join(', ')} -> docs/index.html (${app.logger.warningCount} warnings)`);
process.exit(app.logger.hasErrors() ? 1 : 0);
