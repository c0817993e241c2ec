# Sehat server image. Build: docker build -t sehat .   Run: docker run -p 3000:3000 -v sehat-data:/app/data sehat
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 compiles a native add-on when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .puppeteerrc.cjs ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json .puppeteerrc.cjs ./
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY knowledge ./knowledge
COPY prompts ./prompts
COPY scripts ./scripts
# The bundle bin/sehat.js starts from (start-up ~1 s instead of compiling the sources through tsx).
RUN node scripts/build.mjs
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "bin/sehat.js", "serve"]
