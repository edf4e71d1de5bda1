// Enforces the layers of ARCHITECTURE.md: imports point down only.
// layer: lib 0; codec, api/gen 1; session, rib, dataplane, desired 2; vpn 3; daemon 4; reconcile 5; api/http 6; cli 7.
const layer = {
  'src/lib': 0,
  'src/bgp/codec': 1,
  'src/api/gen': 1,
  'src/bgp/session': 2,
  'src/rib': 2,
  'src/dataplane': 2,
  'src/desired': 2,
  'src/vpn': 3,
  'src/daemon': 4,
  'src/reconcile': 5,
  'src/api/http': 6,
  'src/cli': 7,
};
// What each folder may import besides itself (from ARCHITECTURE.md "may import").
const allowed = {
  'src/lib': [],
  'src/bgp/codec': ['src/lib'],
  'src/api/gen': [],
  'src/bgp/session': ['src/bgp/codec', 'src/lib'],
  'src/rib': ['src/bgp/codec', 'src/lib'],
  'src/dataplane': ['src/lib'],
  'src/desired': ['src/api/gen', 'src/lib'],
  'src/vpn': ['src/rib', 'src/bgp/codec', 'src/dataplane', 'src/lib', 'src/api/gen'],
  'src/daemon': [
    'src/vpn',
    'src/rib',
    'src/bgp/session',
    'src/bgp/codec',
    'src/dataplane',
    'src/desired',
    'src/api/gen',
    'src/lib',
  ],
  'src/reconcile': ['src/daemon', 'src/desired', 'src/dataplane', 'src/api/gen', 'src/lib'],
  'src/api/http': ['src/daemon', 'src/reconcile', 'src/desired', 'src/api/gen', 'src/lib', 'src/bgp/codec'],
  'src/cli': Object.keys(layer),
};
const esc = (s) => s.replace(/[/.]/g, '\\$&');
const forbidden = Object.entries(allowed).map(([from, ok]) => {
  const mayImport = [from, ...ok].map((p) => `^${esc(p)}/`);
  return {
    name: `layer-${from.replace(/\//g, '-')}`,
    comment: `${from} (layer ${layer[from]}) may import only ${ok.join(', ') || 'node builtins'}`,
    severity: 'error',
    from: { path: `^${esc(from)}/` },
    to: { path: '^src/', pathNot: mayImport },
  };
});
// eslint-disable-next-line no-undef -- CommonJS config file
module.exports = {
  forbidden: [
    ...forbidden,
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'no-test-from-src', severity: 'error', from: { path: '^src/' }, to: { path: '^(test|bench)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
