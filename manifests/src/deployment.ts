import { renderTemplate } from './load.ts'
import type { K8sObject } from './template.ts'

export type Settings = Record<string, string | undefined>

/** The targets of manifests/oc.mk, in the order oc_deploy_all runs them. */
export const DEPLOY_ORDER = ['redis', 'tf_serving', 'chatbot_worker', 'tweetbot_worker', 'master']

/**
 * The templates (and extra parameters) one `make oc_deploy_<target>` applies for the given
 * settings. manifests/oc.mk makes the same choices; a test runs make against a stand-in `oc`
 * to hold the two together.
 */
export const templatesFor = (
  target: string,
  settings: Settings,
): { template: string; extra?: Record<string, string> }[] => {
  const keda = settings.WORKER_AUTOSCALING === 'keda'
  switch (target) {
    case 'acme':
      return [{ template: 'acme' }]
    case 'builds':
      return [{ template: 'builds' }]
    case 'redis':
      return settings.EXTERNAL_REDIS_URL
        ? [{ template: 'redis-external' }]
        : [{ template: 'redis-secret' }, { template: 'redis' }]
    case 'tf_serving':
      return [{ template: 'tf-serving' }]
    case 'chatbot_worker':
    case 'tweetbot_worker': {
      const queue = target === 'chatbot_worker' ? 'chat' : 'tweet'
      return [
        { template: 'twitter-secret' },
        { template: target.replace('_', '-') },
        ...(keda ? [{ template: 'keda-worker', extra: { WORKER_QUEUE: queue } }] : []),
      ]
    }
    case 'master':
      return [{ template: 'twitter-secret' }, { template: 'master' }]
    default:
      throw new Error(`unknown target ${target}`)
  }
}

/** Settings as oc.mk hands them to `oc process`: empty means unset, so defaults apply. */
export const paramsFrom = (settings: Settings): Record<string, string> =>
  Object.fromEntries(
    Object.entries(settings).filter(
      (e): e is [string, string] => e[1] !== undefined && e[1] !== '',
    ),
  )

/** Everything `make oc_deploy_all` would apply for these settings, rendered offline. */
export const renderDeployment = (settings: Settings, targets = DEPLOY_ORDER): K8sObject[] => {
  const params = paramsFrom(settings)
  const seen = new Set<string>()
  const objects: K8sObject[] = []
  for (const target of targets)
    for (const { template, extra } of templatesFor(target, settings)) {
      const rendered = renderTemplate(
        template,
        { ...params, ...extra },
        { ignoreUnknownParameters: true },
      )
      // twitter-secret comes with every worker and the master: keep its first rendering.
      for (const o of rendered.objects) {
        const key = `${o.kind}/${o.metadata.name}`
        if (seen.has(key)) continue
        seen.add(key)
        objects.push(o)
      }
    }
  return objects
}
