/**
 * Discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/G/V`, `/version`), only as far as
 * client-node needs them (KubernetesObjectApi resolves kinds to plurals through them).
 */
import type { ResourceType } from './types.js';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function discovery(path: string, types: readonly ResourceType[]): unknown {
  if (path === '/version')
    return { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') return groupList(types);
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (m === null) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3] ?? '';
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (mine.length === 0) return undefined;
  const resources = mine.flatMap((t) => {
    const main = {
      name: t.plural,
      singularName: t.kind.toLowerCase(),
      namespaced: t.namespaced,
      kind: t.kind,
      verbs,
    };
    if (t.statusSubresource !== true) return [main];
    return [
      main,
      {
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      },
    ];
  });
  const groupVersion = group === '' ? version : `${group}/${version}`;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function groupList(types: readonly ResourceType[]): unknown {
  const groups = new Map<string, Set<string>>();
  for (const t of types)
    if (t.group !== '') groups.set(t.group, (groups.get(t.group) ?? new Set()).add(t.version));
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, vs]) => {
      const versions = [...vs].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions, preferredVersion: versions[0] };
    }),
  };
}
