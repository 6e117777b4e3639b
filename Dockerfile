# syntax=docker/dockerfile:1
# rollout-gate: one image, two roles. The default command runs the webhook receiver on :3000;
# `worker` runs the Temporal workers (metrics on :9464). docker-compose.yml starts both next to a Temporal server;
# against a server of your own:
#   docker build -t rollout-gate .
#   docker run -e STATSIG_WEBHOOK_SECRET -e TEMPORAL_ADDRESS=your-host:7233 -p 3000:3000 rollout-gate
#   docker run -e STATSIG_CONSOLE_API_KEY -e TEMPORAL_ADDRESS=your-host:7233 rollout-gate worker
# Debian (glibc) rather than Alpine: the Temporal worker's native core bridge ships glibc builds.

# --- every dependency, dev included: the compiler and type packages the build needs ---
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- compile TypeScript to dist/ (tsconfig.build.json: src, workflows, activities, examples) ---
FROM deps AS build
COPY . .
RUN npm run build

# --- production dependencies only, installed apart so no dev package reaches the runtime ---
# tsx stays: it is a runtime dependency that loads gate configs written in TypeScript.
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Everything stays owned by root: the service runs as `node` and cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The example gate is compiled with the rest (dist/examples/prompt-gate.js, the default GATE_CONFIG
# of a compiled build); a team's own gate config is mounted and named by GATE_CONFIG.
# Benchmark outputs and review reports go to the one directory `node` may write; workers on several
# hosts mount a shared volume there (docker-compose.yml does).
ENV GATE_REPORTS_DIR=/var/lib/rollout-gate/reports
RUN mkdir -p "$GATE_REPORTS_DIR" && chown node:node "$GATE_REPORTS_DIR"
# `rollout-gate` on the PATH, for operators: docker compose exec receiver rollout-gate review list
COPY bin ./bin
RUN ln -s /app/bin/rollout-gate /usr/local/bin/rollout-gate
USER node
# The worker's metrics listener (WORKER_METRICS_PORT); the receiver's internal listener
# (INTERNAL_PORT: metrics, stats, changes, review API; on the container's loopback unless
# INTERNAL_HOST=0.0.0.0, which docker-compose.yml sets for Prometheus, never to be published
# publicly); then the receiver's public port (webhooks and health checks only).
EXPOSE 9464
EXPOSE 9465
EXPOSE 3000
# Node's fetch, as the slim image has no curl. The worker serves no HTTP: compose disables this
# check for it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["receiver"]
