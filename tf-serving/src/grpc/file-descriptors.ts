// Our parsed protos as google.protobuf.FileDescriptorProto, one per .proto file, as the
// reflection service sends them (grpcurl, grpc_cli, Postman build their stubs from these).
// protobufjs' own Root.toDescriptor groups by package and leaves references relative and
// dependencies empty, which reflection clients cannot link, and its Type.toDescriptor names
// field types relative and map entries unlike protoc; so files and messages are built here,
// enums and services by the descriptor extension.
// @see https://github.com/protocolbuffers/protobuf/blob/main/src/google/protobuf/descriptor.proto
import protobuf from 'protobufjs'
import descriptor from 'protobufjs/ext/descriptor.js'

// FieldDescriptorProto.Type numbers by protobuf scalar name.
const SCALAR: Record<string, number> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
}
const TYPE_MESSAGE = 11
const TYPE_ENUM = 14
const LABEL_OPTIONAL = 1
const LABEL_REPEATED = 3

const pascal = (s: string) =>
  s
    .split('_')
    .map((w) => (w ? w[0]?.toUpperCase() + w.slice(1) : ''))
    .join('')
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

interface Ctx {
  file: string
  deps: Set<string>
}

/** A field's type: scalar number, or message/enum with its fully-qualified name. */
const typeOf = (f: protobuf.Field, type: string, ctx: Ctx) => {
  const scalar = SCALAR[type]
  if (scalar !== undefined) return { type: scalar }
  const target = (f.parent as protobuf.Type).lookupTypeOrEnum(type)
  if (target.filename && target.filename !== ctx.file) ctx.deps.add(target.filename)
  return {
    type: target instanceof protobuf.Enum ? TYPE_ENUM : TYPE_MESSAGE,
    typeName: target.fullName,
  }
}

const messageProto = (t: protobuf.Type, ctx: Ctx): object => {
  const oneofs = t.oneofsArray
  const nestedType: object[] = []
  const field = t.fieldsArray.map((f) => {
    const common = { name: f.name, number: f.id, jsonName: camel(f.name) }
    const oneofIndex = f.partOf ? { oneofIndex: oneofs.indexOf(f.partOf) } : {}
    if (f instanceof protobuf.MapField) {
      // A map is a repeated nested XxxEntry { key = 1; value = 2; } with map_entry set.
      const entry = `${pascal(f.name)}Entry`
      nestedType.push({
        name: entry,
        field: [
          {
            name: 'key',
            number: 1,
            label: LABEL_OPTIONAL,
            jsonName: 'key',
            ...typeOf(f, f.keyType, ctx),
          },
          {
            name: 'value',
            number: 2,
            label: LABEL_OPTIONAL,
            jsonName: 'value',
            ...typeOf(f, f.type, ctx),
          },
        ],
        options: { mapEntry: true },
      })
      return {
        ...common,
        label: LABEL_REPEATED,
        type: TYPE_MESSAGE,
        typeName: `${t.fullName}.${entry}`,
      }
    }
    return {
      ...common,
      ...oneofIndex,
      label: f.repeated ? LABEL_REPEATED : LABEL_OPTIONAL,
      ...typeOf(f, f.type, ctx),
    }
  })
  for (const nested of t.nestedArray)
    if (nested instanceof protobuf.Type) nestedType.push(messageProto(nested, ctx))
  return {
    name: t.name,
    field,
    nestedType,
    enumType: t.nestedArray
      .filter((n) => n instanceof protobuf.Enum)
      .map((e) => (e as protobuf.Enum).toDescriptor()),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
  }
}

// Methods name their types by full name there, which clients link; the imports are noted here.
const serviceProto = (s: protobuf.Service, ctx: Ctx) => {
  for (const m of s.methodsArray) {
    m.resolve()
    for (const t of [m.resolvedRequestType, m.resolvedResponseType])
      if (t?.filename && t.filename !== ctx.file) ctx.deps.add(t.filename)
  }
  return s.toDescriptor()
}

export interface FileDescriptors {
  /** Encoded FileDescriptorProto by file name. */
  files: Map<string, Uint8Array>
  /** Direct dependencies by file name. */
  deps: Map<string, string[]>
  /** The file declaring a symbol (message, enum, service, method), or undefined. */
  fileOf(symbol: string): string | undefined
}

// protobufjs' descriptor.proto types (google.protobuf.*, camelCase field names).
const FILE_DESCRIPTOR = (descriptor as unknown as protobuf.Namespace).lookupType(
  'FileDescriptorProto',
)

export const buildFileDescriptors = (root: protobuf.Root): FileDescriptors => {
  const byFile = new Map<string, protobuf.ReflectionObject[]>()
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (
        o instanceof protobuf.Type ||
        o instanceof protobuf.Enum ||
        o instanceof protobuf.Service
      ) {
        const list = byFile.get(o.filename ?? '') ?? []
        list.push(o)
        byFile.set(o.filename ?? '', list)
      } else if (o instanceof protobuf.Namespace) walk(o)
    }
  }
  walk(root)
  const files = new Map<string, Uint8Array>()
  const deps = new Map<string, string[]>()
  for (const [file, objects] of byFile) {
    const ctx: Ctx = { file, deps: new Set() }
    const pkg = (objects[0]?.parent?.fullName ?? '').slice(1)
    const proto = {
      name: file,
      package: pkg,
      messageType: objects
        .filter((o) => o instanceof protobuf.Type)
        .map((t) => messageProto(t as protobuf.Type, ctx)),
      enumType: objects
        .filter((o) => o instanceof protobuf.Enum)
        .map((e) => (e as protobuf.Enum).toDescriptor()),
      service: objects
        .filter((o) => o instanceof protobuf.Service)
        .map((s) => serviceProto(s as protobuf.Service, ctx)),
      syntax: 'proto3',
    }
    const dependency = [...ctx.deps].sort()
    deps.set(file, dependency)
    files.set(
      file,
      FILE_DESCRIPTOR.encode(FILE_DESCRIPTOR.fromObject({ ...proto, dependency })).finish(),
    )
  }
  const fileOf = (symbol: string) => {
    const found = root.lookup(symbol) ?? root.lookup(symbol.slice(0, symbol.lastIndexOf('.')))
    let o: protobuf.ReflectionObject | null = found
    while (o && !o.filename) o = o.parent
    return o?.filename ?? undefined
  }
  return { files, deps, fileOf }
}

/**
 * A file, then each file it imports, depth first, each once: the order gRPC C++'s reflection
 * answers in (proto_server_reflection.cc, FillFileDescriptorResponse).
 */
export const withDependencies = (d: FileDescriptors, file: string): string[] => {
  const out: string[] = []
  const visit = (f: string) => {
    if (out.includes(f)) return
    out.push(f)
    for (const dep of d.deps.get(f) ?? []) visit(dep)
  }
  visit(file)
  return out
}
