/**
 * Names shared with code that must not load the Kubernetes client library (the status reporter
 * on a node without Kubernetes): `@kubernetes/client-node` costs about 60 MB of RSS.
 */
export const KUBE_SOURCE_NAME = 'kubernetes';
/** The label that mirrors a PortAttachment's `spec.nodeName`, selected on LIST and WATCH. */
export const NODE_LABEL = 'bagpipe.io/node';
