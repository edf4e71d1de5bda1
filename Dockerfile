# syntax=docker/dockerfile:1
#
# bagpipe-bgp: BGP VPN speaker for compute nodes (DaemonSet or plain daemon).
#
# Base image: node:24-bookworm-slim.
#   - Node 24 is the Active LTS line (security support until April 2028, a year longer than
#     Node 22) and is inside package.json "engines" (^20.19.0 || >=22.12.0). CI should run the
#     test suite on Node 24 as well, since development happens on Node 20.
#   - bookworm (Debian 12) is the release whose iproute2 (6.1) and Open vSwitch (3.1) the
#     interop and end-to-end tests use; "slim" keeps the runtime small.
#   - The tag is pinned to the Node major (never "latest"); pin a digest (@sha256:...) in your
#     own registry mirror for byte-for-byte reproducible builds.

# ---- build: compile TypeScript and the TCP-MD5 addon with the full (dev) dependency set ------
FROM node:24-bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
# node-gyp needs python3, make and a C compiler for native/tcp_md5.c (package.json "install").
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
# Compile against the headers shipped in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY package.json package-lock.json .npmrc binding.gyp ./
COPY native ./native
# also runs the root "install" script: node-gyp rebuild -> build/Release/tcp_md5.node
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production node_modules only (no compiler, linters or test tools) -----------------
FROM node:24-bookworm-slim AS deps
WORKDIR /opt/bagpipe-bgp
COPY package.json package-lock.json .npmrc ./
# No production dependency has an install script (checked in package-lock.json), and the root
# "install" script (node-gyp) already ran in the build stage: skip scripts, no compiler here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# iproute2: ip, bridge (linux dataplane drivers; `ip -batch -`, `bridge -batch -`).
# procps: sysctl (the linux IP VPN driver sets ip_forward, rp_filter, proxy_arp).
# openvswitch-common: ovs-ofctl, ovs-appctl. On Debian bookworm ovs-vsctl is in
# openvswitch-switch, so that package is installed too; its daemons are never started here (the
# ovs driver talks to the host's ovsdb-server/ovs-vswitchd through /run/openvswitch).
# policy-rc.d keeps maintainer scripts from trying to start services during the build.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
    && chmod 0755 /usr/sbin/policy-rc.d \
    && apt-get update \
    && apt-get install -y --no-install-recommends iproute2 procps openvswitch-common openvswitch-switch \
    && rm -f /usr/sbin/policy-rc.d \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/bagpipe-bgp
COPY --from=deps /opt/bagpipe-bgp/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# the addon is looked up as <app>/build/Release/tcp_md5.node (src/bgp/session/socket-options.ts);
# same base image as the build stage, so the same Node ABI and glibc
COPY --from=build /src/build/Release/tcp_md5.node ./build/Release/tcp_md5.node
COPY package.json ./
RUN chmod 0755 dist/src/cli/bagpipe-bgp.js \
    && ln -s /opt/bagpipe-bgp/dist/src/cli/bagpipe-bgp.js /usr/local/bin/bagpipe-bgp \
    && mkdir -p /etc/bagpipe-bgp/desired.d /var/lib/bagpipe-bgp
ENV NODE_ENV=production \
    BAGPIPE_HEALTHCHECK_URL=http://127.0.0.1:8082/healthz
# Runs as root on purpose: the dataplane drivers create bridges, VXLAN/VRF devices, routes and
# neighbours (CAP_NET_ADMIN) and talk to root-owned OVS sockets; BGP may listen on port 179
# (CAP_NET_BIND_SERVICE). In Kubernetes the DaemonSet drops every other capability.
USER root
# 8082: REST API, looking glass, /metrics, /healthz, /readyz ([API] port); 179: BGP ([BGP] listen).
EXPOSE 8082 179
# For docker/podman only: Kubernetes ignores HEALTHCHECK and uses the DaemonSet's probes. Set
# BAGPIPE_HEALTHCHECK_URL when [API] host/port are not 127.0.0.1:8082 (e.g. bound to the node IP).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch(process.env.BAGPIPE_HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["bagpipe-bgp"]
# Reset the base image's CMD ["node"]: arguments go to bagpipe-bgp (default: --config-file
# /etc/bagpipe-bgp/bgp.conf when it exists, else the embedded default).
CMD []
