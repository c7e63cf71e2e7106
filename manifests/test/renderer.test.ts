// biome-ignore-all lint/suspicious/noTemplateCurlyInString: oc template syntax, not JS templates
import { describe, expect, test } from 'bun:test'
import { generateFromExpression, parseExpression } from '../src/generate.ts'
import { processTemplate, TemplateError } from '../src/template.ts'

const template = (parameters: unknown[], objects: unknown[]) => ({
  apiVersion: 'template.openshift.io/v1',
  kind: 'Template',
  metadata: { name: 't' },
  parameters,
  objects,
})

const configMap = (data: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm' },
  data,
})

describe('processTemplate (offline oc process)', () => {
  test('${PARAM} substitutes text, also inside longer strings', () => {
    const t = template(
      [{ name: 'HOST', value: 'redis' }],
      [configMap({ url: 'redis://${HOST}:6379', plain: '${HOST}' })],
    )
    const { objects } = processTemplate(t)
    expect(objects[0]!.data).toEqual({ url: 'redis://redis:6379', plain: 'redis' })
  })

  test('${{PARAM}} as a whole value becomes the JSON value (number, boolean, object)', () => {
    const t = template(
      [
        { name: 'N', value: '3' },
        { name: 'B', value: 'true' },
        { name: 'O', value: '{"a":[1,2]}' },
      ],
      [
        {
          apiVersion: 'v1',
          kind: 'X',
          metadata: { name: 'x' },
          n: '${{N}}',
          b: '${{B}}',
          o: '${{O}}',
          s: 'n=${{N}}',
        },
      ],
    )
    const o = processTemplate(t).objects[0]!
    expect(o.n).toBe(3)
    expect(o.b).toBe(true)
    expect(o.o).toEqual({ a: [1, 2] })
    expect(o.s).toBe('n=3')
  })

  test('${{PARAM}} whose value is not JSON is an error naming the parameter', () => {
    const t = template([{ name: 'N', value: 'three' }], [configMap({ n: '${{N}}' })])
    expect(() => processTemplate(t)).toThrow(/N.*not valid JSON/)
  })

  test('given values win over defaults, even empty ones (as oc does)', () => {
    const t = template(
      [
        { name: 'A', value: 'default-a' },
        { name: 'B', value: 'default-b' },
      ],
      [configMap({ a: '${A}', b: '${B}' })],
    )
    expect(processTemplate(t, { A: 'given', B: '' }).objects[0]!.data).toEqual({
      a: 'given',
      b: '',
    })
  })

  test('a required parameter without a value fails, listing every missing name', () => {
    const t = template(
      [
        { name: 'A', required: true },
        { name: 'B', required: true, value: '' },
        { name: 'C', required: true, value: 'ok' },
      ],
      [configMap({})],
    )
    expect(() => processTemplate(t)).toThrow(TemplateError)
    expect(() => processTemplate(t)).toThrow('A, B')
  })

  test('unknown parameters are refused unless ignored, like --ignore-unknown-parameters', () => {
    const t = template([{ name: 'A', value: 'a' }], [configMap({ a: '${A}' })])
    expect(() => processTemplate(t, { NOPE: '1' })).toThrow(/unknown parameter.*NOPE/)
    expect(
      processTemplate(t, { NOPE: '1' }, { ignoreUnknownParameters: true }).objects[0]!.data,
    ).toEqual({ a: 'a' })
  })

  test('references to names that are not parameters stay as they are (shell scripts)', () => {
    const t = template([{ name: 'A', value: 'a' }], [configMap({ s: 'echo ${HOME} $PATH ${A}' })])
    expect(processTemplate(t).objects[0]!.data).toEqual({ s: 'echo ${HOME} $PATH a' })
  })

  test('generate: expression fills an empty parameter; a given value is kept', () => {
    const t = template(
      [{ name: 'P', generate: 'expression', from: '[a-f0-9]{24}' }],
      [configMap({ p: '${P}' })],
    )
    const first = processTemplate(t).parameters.P!
    expect(first).toMatch(/^[a-f0-9]{24}$/)
    expect(processTemplate(t).parameters.P).not.toBe(first)
    expect(processTemplate(t, { P: 'mine' }).parameters.P).toBe('mine')
  })

  test("the template's labels are added to every object", () => {
    const t = { ...template([{ name: 'A', value: 'x' }], [configMap({})]), labels: { app: '${A}' } }
    expect(processTemplate(t).objects[0]!.metadata.labels).toEqual({ app: 'x' })
  })

  test('a document that is not a Template is refused', () => {
    expect(() => processTemplate({ kind: 'List', items: [] })).toThrow()
  })
})

describe('generate: expression', () => {
  test('classes, ranges, escapes and repeat counts', () => {
    expect(generateFromExpression('[A-Z]{3}-\\d{4}')).toMatch(/^[A-Z]{3}-\d{4}$/)
    expect(generateFromExpression('\\w{10}')).toMatch(/^\w{10}$/)
    expect(generateFromExpression('[\\a]{8}')).toMatch(/^[A-Za-z]{8}$/)
    expect(parseExpression('ab[xy]{2}')).toEqual([
      { chars: 'a', count: 1 },
      { chars: 'b', count: 1 },
      { chars: 'xy', count: 2 },
    ])
  })

  test('malformed expressions are errors', () => {
    expect(() => generateFromExpression('[abc')).toThrow(/unclosed/)
    expect(() => generateFromExpression('[z-a]')).toThrow(/bad range/)
  })
})
