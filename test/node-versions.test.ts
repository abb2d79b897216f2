// What weft decides from the Node it runs on, checked for Node 20, 22 and 24 without them:
// the permission flag of `sandbox`, and whether Node strips a task module's types or tsx loads it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { currentNode, permissionFlag, type NodeFlagFacts } from '../src/backends/flags.js';
import { checkChildOptions, forkOptions } from '../src/backends/child-options.js';
import { typeScriptLoader, type LoaderFacts } from '../src/executor/module.js';

const node20: NodeFlagFacts = { version: 'v20.19.0', flags: new Set(['--experimental-permission', '--allow-fs-read']) };
const node22: NodeFlagFacts = { version: 'v22.13.0', flags: new Set(['--permission', '--experimental-permission', '--allow-fs-read']) };
const node24: NodeFlagFacts = { version: 'v24.0.0', flags: new Set(['--permission', '--allow-fs-read']) };

describe('the sandbox\'s permission flag', () => {
  test('read from the flags Node accepts: Node 20 has only --experimental-permission, 22.13 both, 24 only --permission', () => {
    assert.equal(permissionFlag(node20), '--experimental-permission');
    assert.equal(permissionFlag(node22), '--permission');
    assert.equal(permissionFlag(node24), '--permission');
  });

  test('from the version when the list names neither', () => {
    const by = (version: string): string => permissionFlag({ version, flags: new Set() });
    assert.deepEqual(
      ['v20.19.0', 'v22.12.0', 'v22.13.0', 'v23.4.0', 'v23.5.0', 'v24.0.0', 'v25.1.0'].map(by),
      ['--experimental-permission', '--experimental-permission', '--permission', '--experimental-permission', '--permission', '--permission', '--permission'],
    );
  });

  test('this Node\'s flag is one it accepts', () => {
    assert.ok(process.allowedNodeEnvironmentFlags.has(permissionFlag(currentNode())));
  });

  test('a sandboxed child is started with the flag of the Node it runs on', () => {
    const options = { sandbox: { allowFsRead: ['/tmp'] } };
    const entry = checkChildOptions(options);
    const flagsOn = (node: NodeFlagFacts): string[] => forkOptions(options, entry, 'file:///app/tasks.js', undefined, node).execArgv ?? [];
    for (const [node, flag, absent] of [[node20, '--experimental-permission', '--permission'], [node24, '--permission', '--experimental-permission']] as const) {
      const flags = flagsOn(node);
      assert.ok(flags.includes(flag), `${node.version}: ${flags.join(' ')}`);
      assert.ok(!flags.includes(absent), `${node.version}: ${flags.join(' ')}`);
      assert.ok(flags.includes('--allow-fs-read=/tmp'));
    }
  });
});

describe('how workers load a TypeScript task module', () => {
  const facts = (over: Partial<LoaderFacts>): LoaderFacts => ({
    moduleUrl: 'file:///app/tasks.ts',
    weftUrl: 'file:///app/node_modules/weft/dist/executor/module.js',
    nodeTypeScript: undefined,
    execArgv: [],
    ...over,
  });

  test('Node 20 (no process.features.typescript): tsx', () => {
    assert.equal(typeScriptLoader(facts({})), 'tsx');
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: false })), 'tsx');
  });

  test('Node 22.18+ and 24 (typescript: \'strip\'), or --experimental-transform-types: Node\'s own type stripping, no tsx', () => {
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip' })), 'node');
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', moduleUrl: 'file:///app/tasks.mts' })), 'node');
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', moduleUrl: 'file:///app/tasks.cts' })), 'node');
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'transform' })), 'node');
  });

  test('where Node cannot strip: .tsx and modules under node_modules go through tsx', () => {
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', moduleUrl: 'file:///app/tasks.tsx' })), 'tsx');
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', moduleUrl: 'file:///app/node_modules/lib/tasks.ts' })), 'tsx');
  });

  test('a program running under tsx keeps tsx for its workers, whatever Node can do', () => {
    for (const execArgv of [['--import', 'tsx'], ['--import=tsx'], ['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///app/node_modules/tsx/dist/loader.mjs']]) {
      assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', execArgv })), 'tsx', execArgv.join(' '));
    }
    assert.equal(typeScriptLoader(facts({ nodeTypeScript: 'strip', execArgv: ['--import', './tsxlike.js', '--enable-source-maps'] })), 'node');
  });

  test('weft run from its own .ts sources needs tsx even for a .js task; a .js task with compiled weft needs nothing', () => {
    assert.equal(typeScriptLoader(facts({ moduleUrl: 'file:///app/tasks.js', weftUrl: 'file:///weft/src/executor/module.ts', nodeTypeScript: 'strip' })), 'tsx');
    for (const nodeTypeScript of [undefined, 'strip']) {
      assert.equal(typeScriptLoader(facts({ moduleUrl: 'file:///app/tasks.js', nodeTypeScript })), 'none');
      assert.equal(typeScriptLoader(facts({ moduleUrl: 'file:///app/tasks.cjs', nodeTypeScript })), 'none');
    }
  });
});
