# One image for every app of the platform; the app is chosen by the command:
#   docker run <image> node dist/apps/user-service/src/main.js
# It also holds the stack manager, whose `compose-init` is docker-compose's
# one-shot `init` service (node dist/infra/stack/src/cli.js compose-init).
# Built by docker-compose.yml (`docker compose build`). It holds no secret and
# no local-stack default: it runs with PLATFORM_PROFILE=production, so every
# credential comes from the environment (docker-compose passes this stack's).
# e2e/stack-e2e/src/dockerfile.int-spec.ts runs these steps natively, as a
# non-root user, and starts the app they build.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc tsconfig.base.json tsconfig.json nx.json ./
COPY scripts/build.sh scripts/build.sh
COPY apps apps
COPY libs libs
COPY infra/stack infra/stack
COPY infra/ops infra/ops
RUN bash scripts/build.sh && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production PLATFORM_PROFILE=production HOST=0.0.0.0
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Discovery and config snapshots (STATE_DIR default: ./tmp/state); the rest of /app stays read-only to the app.
RUN mkdir -p /app/tmp && chown 1000:1000 /app/tmp
# uid 1000 is the image's `node` user.
USER 1000:1000
EXPOSE 8080
CMD ["node", "dist/apps/gateway/src/main.js"]
