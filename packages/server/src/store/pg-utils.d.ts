// pg's own value mapping (pg/lib/utils.js), which @types/pg does not describe: what a query's parameters become
// on the wire (postgres-pipeline.ts maps the values of statements it sends ahead the same way).
declare module "pg/lib/utils.js" {
  const utils: { readonly prepareValue: (value: unknown) => unknown };
  export default utils;
}
