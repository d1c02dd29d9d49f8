// The one `cloudflare:workers` export the fixture and the example use, for `tsc` (in a Workers
// project, `@cloudflare/workers-types` or `wrangler types` declare it).
declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: unknown;
    protected env: Env;
    constructor(ctx: unknown, env: Env);
  }
}
