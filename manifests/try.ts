import { allProblems } from './src/checks.ts'
import { renderDeployment } from './src/deployment.ts'
import { DEPLOYED_SCHEMAS, envProblems, findSchemas, requiredKeys } from './src/service-schemas.ts'
const tw = { TWITTER_CONSUMER_KEY: 'ck-123456', TWITTER_CONSUMER_SECRET: 'cs-123456', TWITTER_ACCESS_TOKEN: 'at-123456', TWITTER_ACCESS_TOKEN_SECRET: 'ats-123456' }
for (const s of [tw, { ...tw, TF_SERVING_IMAGE: 'tensorflow/serving', EXTERNAL_REDIS_URL: 'rediss://default:pw1234567@up.example:6379', WORKER_AUTOSCALING: 'keda' }]) {
  const objs = renderDeployment(s)
  console.log(objs.map((o) => `${o.kind}/${o.metadata.name}`).join(' '))
  console.log(allProblems(objs))
  const found = await findSchemas()
  for (const f of found) {
    console.log(f.file, f.exportName, requiredKeys(f.schema))
    const m = DEPLOYED_SCHEMAS.find((d) => d.exportName === f.exportName)
    for (const c of m?.components ?? []) console.log(c, envProblems(objs, c, f.schema, f.file))
  }
}
