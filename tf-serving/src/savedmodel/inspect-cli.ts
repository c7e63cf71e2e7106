// `bun run tf-serving:inspect <dir> [--json]`: explains a SavedModel (a version folder, or a
// model base path whose numbered versions are each inspected). Exit code 1 when one cannot load.
import { formatReport, inspectSavedModel, modelDirs } from './inspect.ts'

const args = Bun.argv.slice(2)
const json = args.includes('--json')
const paths = args.filter((a) => a !== '--json')
if (paths.length !== 1) {
  console.error('usage: bun run tf-serving:inspect <saved-model-dir | model-base-path> [--json]')
  process.exit(2)
}
let failed = false
try {
  for (const dir of await modelDirs(paths[0] as string)) {
    let report: Awaited<ReturnType<typeof inspectSavedModel>>
    try {
      report = await inspectSavedModel(dir)
    } catch (err) {
      failed = true
      console.info(
        json
          ? JSON.stringify({ dir, error: (err as Error).message })
          : `SavedModel ${dir}\n  cannot be read: ${(err as Error).message}`,
      )
      continue
    }
    if (report.loadError !== null) failed = true
    console.info(json ? JSON.stringify(report) : formatReport(report))
  }
} catch (err) {
  console.error((err as Error).message)
  process.exit(2)
}
process.exit(failed ? 1 : 0)
