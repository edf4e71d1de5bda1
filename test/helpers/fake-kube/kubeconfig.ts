/**
 * A kubeconfig for the fake API server: plain HTTP on loopback, no credentials. Feed it to
 * client-node's `KubeConfig.loadFromString`. client-node 1.x refuses an `http:` server unless
 * `insecure-skip-tls-verify` is set (there is no TLS to verify here anyway).
 */
import { writeFile } from 'node:fs/promises';

export function kubeconfigYaml(server: string, context = 'fake-kube'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${context}`,
    '  user: {}',
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}`,
    '    namespace: default',
    `current-context: ${context}`,
    '',
  ].join('\n');
}

export async function writeKubeconfig(path: string, server: string): Promise<void> {
  await writeFile(path, kubeconfigYaml(server), { mode: 0o600 });
}
