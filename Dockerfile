# salvo as a container image: non-root, `salvo` as its entrypoint.
#
#   scripts/image/build.sh            builds it here, where no image can be pulled: the base
#                                     (Debian bookworm minbase + Node 20) is made locally first
#   docker build -t salvo .           elsewhere: BASE_IMAGE defaults to the official Node image
#
# Two stages, so that the TypeScript compiler and the other devDependencies
# (about 150 MB) never reach a layer of the final image: a prune in a later
# layer would not shrink it.
# BUILD_IMAGE needs npm; BASE_IMAGE only node (scripts/image/build.sh gives it one without npm).
ARG BUILD_IMAGE=node:20.20.2-bookworm-slim
ARG BASE_IMAGE=node:20.20.2-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /opt/salvo
# The lock file alone first: the dependency layer is reused until it changes.
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own prepare step needs the sources, which are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY profiles ./profiles
# Source maps are dropped: salvo prints one line per error, never a stack trace.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find dist -name '*.map' -delete \
 && rm -rf /root/.npm

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="salvo" \
      org.opencontainers.image.description="AMQP 1.0 load generator, benchmark harness and delivery-guarantee checker" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/salvo /opt/salvo
# /data is the working folder: results/<run-id> lands in /data/results (a volume in Kubernetes).
RUN ln -s /opt/salvo/bin/salvo.js /usr/local/bin/salvo \
 && mkdir -p /data/results \
 && chown -R 65534:65534 /data
WORKDIR /data
# nobody:nogroup, numeric so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 65534:65534
ENV NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/salvo"]
CMD ["--help"]
