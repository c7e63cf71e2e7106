import { describe, expect, test } from 'bun:test'
import { renderDeployment } from '../src/deployment.ts'
import {
  DEPLOYED_SCHEMAS,
  envProblems,
  findSchemas,
  NOT_DEPLOYED,
  requiredKeys,
} from '../src/service-schemas.ts'
import { clone, find, mainContainer } from './helpers.ts'
import { SCENARIOS, TWITTER } from './scenarios.ts'

// The schemas are read from common/src/config at run time: nothing here lists their variables.
const schemas = await findSchemas()

describe('every service schema in common/src/config is checked', () => {
  test('each exported schema is mapped to Deployments or explained', () => {
    for (const { file, exportName } of schemas) {
      const mapped = DEPLOYED_SCHEMAS.some((d) => d.exportName === exportName && d.file === file)
      expect(`${file}:${exportName} ${mapped || exportName in NOT_DEPLOYED}`).toBe(
        `${file}:${exportName} true`,
      )
    }
  })

  test('each mapped schema exists', () => {
    for (const d of DEPLOYED_SCHEMAS)
      expect(schemas.some((s) => s.file === d.file && s.exportName === d.exportName)).toBe(true)
  })
})

const deployed = DEPLOYED_SCHEMAS.flatMap((d) => {
  const found = schemas.find((s) => s.file === d.file && s.exportName === d.exportName)
  return found ? d.components.map((component) => ({ component, ...found })) : []
})

describe("each Deployment's env satisfies its service's schema", () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS))
    for (const { component, file, schema } of deployed)
      test(`${scenario}: ${component} (${file})`, () => {
        const objects = renderDeployment(settings)
        expect(envProblems(objects, component, schema, file)).toEqual([])
      })
})

describe('the check fails when the manifests drift from a schema', () => {
  const base = renderDeployment(TWITTER)

  for (const { component, file, schema } of deployed) {
    for (const key of requiredKeys(schema))
      test(`${component}: dropping required ${key} is reported`, () => {
        const objects = clone(base)
        const c = mainContainer(find(objects, 'Deployment', component))
        c.env = c.env?.filter((e) => e.name !== key)
        expect(envProblems(objects, component, schema, file).join()).toContain(key)
      })

    test(`${component}: a misspelt variable is reported`, () => {
      const objects = clone(base)
      const c = mainContainer(find(objects, 'Deployment', component))
      const first = c.env!.find((e) => e.value !== undefined)!
      first.name = `${first.name}S`
      expect(envProblems(objects, component, schema, file).join()).toContain(
        `sets ${first.name}, which the schema does not read`,
      )
    })

    test(`${component}: a value the schema rejects is reported`, () => {
      const objects = clone(base)
      const c = mainContainer(find(objects, 'Deployment', component))
      // Every service listens on PORT (common's port field); a word is not a port number.
      c.env!.find((e) => e.name === 'PORT')!.value = 'eighty'
      expect(envProblems(objects, component, schema, file).join()).toContain('PORT')
    })
  }
})
