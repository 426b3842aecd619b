/** The plugin registry: options schemas compiled once, checked, defaults filled into a frozen copy. */
import t from 'tap';
import { PluginOptionsError, staticRegistry, type SignaturePlugin, type TransformPlugin } from '../../gateway/plugins/registry.js';

const seen: unknown[] = [];
const transform: TransformPlugin = {
  kind: 'transform',
  name: 'pad',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { width: { type: 'integer', minimum: 1, default: 8 }, fill: { type: 'string', default: '0' }, nested: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } } },
  },
  create(options) {
    seen.push(options);
    const o = options as { width: number; fill: string };
    return (v) => String(v).padStart(o.width, o.fill);
  },
};
const signature: SignaturePlugin = { kind: 'signature', name: 'always', create: () => () => true };

t.test('options: defaults applied to a frozen copy, the descriptor untouched', async (tt) => {
  const r = staticRegistry([transform, signature]);
  const given = { fill: ' ' };
  const fn = r.get('transform', 'pad')!.create(given);
  tt.same(seen.at(-1), { fill: ' ', width: 8 });
  tt.ok(Object.isFrozen(seen.at(-1)), 'the plugin gets a frozen copy');
  tt.same(given, { fill: ' ' }, 'the descriptor value is not modified');
  tt.equal(fn('42', {} as never), '      42');
  r.get('transform', 'pad')!.create(undefined);
  tt.same(seen.at(-1), { width: 8, fill: '0' }, 'absent options of an object schema are {} with defaults');
});

t.test('bad options: every problem, located under options', async (tt) => {
  const r = staticRegistry([transform, signature]);
  tt.same(r.check('transform', 'pad', { width: 0, fil: 'x', nested: { zzz: 1 } }), [
    { path: ['options', 'fil'], message: 'unknown option `fil`', hint: 'did you mean `fill`?' },
    { path: ['options', 'width'], message: 'options.width must be >= 1' },
    { path: ['options', 'nested', 'zzz'], message: 'options.nested has an unknown key `zzz`', hint: 'known options: a' },
  ]);
  const e = (() => {
    try {
      r.get('transform', 'pad')!.create({ width: 'wide' });
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  tt.ok(e instanceof PluginOptionsError, 'create refuses options its schema refuses');
  tt.match(e, { plugin: 'pad', problems: [{ path: ['options', 'width'], message: 'options.width must be integer' }] });
  tt.same(r.check('signature', 'always', undefined), [], 'a plugin without a schema takes no options…');
  tt.match(r.check('signature', 'always', { x: 1 }), [{ path: ['options'], message: 'options are given but this plugin takes none' }], '…and refuses any');
  tt.same(r.check('signature', 'nope', {}), [], 'unknown plugins are not checked here (the caller reports them)');
});

t.test('lookup by kind and name', async (tt) => {
  const r = staticRegistry([transform, signature]);
  tt.equal(r.get('signature', 'pad'), undefined, 'a transform is not a signature plugin');
  tt.same(r.names(), ['transform:pad', 'signature:always']);
  tt.same(r.namesOf('signature'), ['always']);
});

t.test('a schema that does not compile fails when the registry is built, naming the plugin', async (tt) => {
  const broken: TransformPlugin = { kind: 'transform', name: 'broken', optionsSchema: { type: 'object', properties: { a: { type: 'strnig' } } }, create: () => (v) => v };
  tt.throws(() => staticRegistry([{ plugin: broken, file: '/x/broken.js' }]), /^\/x\/broken\.js: plugin transform:broken: its optionsSchema does not compile/);
});

t.test('transform failures: a rejection is INVALID_REQUEST, anything else INTERNAL_ERROR', async (tt) => {
  const { TransformRejection } = await import('../../gateway/plugins/registry.js');
  const picky: TransformPlugin = {
    kind: 'transform',
    name: 'picky',
    create: () => (v) => {
      if (v === 'bad') throw new TransformRejection('no');
      if (v === 'bug') throw new TypeError('oops');
      if (v === 'named') throw Object.assign(new Error('no'), { name: 'TransformRejection' });
      return v;
    },
  };
  const fn = staticRegistry([picky]).get('transform', 'picky')!.create(undefined);
  tt.equal(fn('ok', {} as never), 'ok');
  tt.throws(() => fn('bad', {} as never), { code: 'GW_ERR_REQUEST_FIELD_TYPE', canonical: 'INVALID_REQUEST' });
  tt.throws(() => fn('bug', {} as never), { code: 'GW_ERR_INTERNAL', canonical: 'INTERNAL_ERROR' });
  tt.throws(() => fn('named', {} as never), { code: 'GW_ERR_REQUEST_FIELD_TYPE' }, 'a rejection recognised by name (plain-JS plugins)');
});
