"""An independent client for tf-serving's gRPC API: Debian's python3-grpcio with stubs compiled by
grpc_tools.protoc from ./protos. Usage: client.py <stubs dir> <host:port> <image .f32 file>.
Prints one JSON object with what each call answered; the Bun test checks the numbers."""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import serving_min_pb2 as s  # noqa: E402
import serving_min_pb2_grpc as sg  # noqa: E402
import tf_min_pb2 as tf  # noqa: E402

channel = grpc.insecure_channel(sys.argv[2], options=[("grpc.max_receive_message_length", 64 << 20)])
predict = sg.PredictionServiceStub(channel)
models = sg.ModelServiceStub(channel)


def shape(*dims):
    return tf.TensorShapeProto(dim=[tf.TensorShapeProto.Dim(size=d) for d in dims])


def floats(t):
    if t.tensor_content:
        return list(struct.unpack("<%df" % (len(t.tensor_content) // 4), t.tensor_content))
    return list(t.float_val)


def spec(name, version=None, signature=""):
    m = s.ModelSpec(name=name, signature_name=signature)
    if version is not None:
        m.version.value = version
    return m


def examples(xs):
    return s.Input(example_list=s.ExampleList(examples=[
        tf.Example(features=tf.Features(feature={"x": tf.Feature(float_list=tf.FloatList(value=[x]))}))
        for x in xs]))


out = {}
for name, version in [("half_plus_two", None), ("half_plus_two_tf2", None), ("half_plus_two_2_versions", 124)]:
    as_vals = tf.TensorProto(dtype=tf.DT_FLOAT, tensor_shape=shape(3, 1), float_val=[1.0, 2.0, 5.0])
    as_bytes = tf.TensorProto(dtype=tf.DT_FLOAT, tensor_shape=shape(3, 1),
                              tensor_content=struct.pack("<3f", 1.0, 2.0, 5.0))
    for kind, t in [("float_val", as_vals), ("tensor_content", as_bytes)]:
        r = predict.Predict(s.PredictRequest(model_spec=spec(name, version), inputs={"x": t}), timeout=30)
        out["predict/%s/%s" % (name, kind)] = {
            "y": floats(r.outputs["y"]), "version": r.model_spec.version.value,
            "signature": r.model_spec.signature_name}

st = models.GetModelStatus(s.GetModelStatusRequest(model_spec=spec("half_plus_two_2_versions")), timeout=30)
out["status"] = [[v.version, s.ModelVersionStatus.State.Name(v.state), v.status.error_code]
                 for v in st.model_version_status]

md = predict.GetModelMetadata(s.GetModelMetadataRequest(model_spec=spec("half_plus_two"),
                                                        metadata_field=["signature_def"]), timeout=30)
sigs = s.SignatureDefMap()
md.metadata["signature_def"].Unpack(sigs)
x = sigs.signature_def["serving_default"].inputs["x"]
out["metadata"] = {"type_url": md.metadata["signature_def"].type_url, "x_dtype": tf.DataType.Name(x.dtype),
                   "x_shape": [d.size for d in x.tensor_shape.dim], "signatures": sorted(sigs.signature_def)}

c = predict.Classify(s.ClassificationRequest(model_spec=spec("half_plus_two", signature="classify_x_to_y"),
                                             input=examples([1.0, 3.0])), timeout=30)
out["classify"] = [[k.score for k in row.classes] for row in c.result.classifications]
g = predict.Regress(s.RegressionRequest(model_spec=spec("half_plus_two", signature="regress_x_to_y"),
                                        input=examples([1.0, 3.0])), timeout=30)
out["regress"] = [r.value for r in g.result.regressions]

md = predict.GetModelMetadata(s.GetModelMetadataRequest(model_spec=spec("default"),
                                                        metadata_field=["signature_def"]), timeout=30)
sigs = s.SignatureDefMap()
md.metadata["signature_def"].Unpack(sigs)
sig = sigs.signature_def["serving_default"]
alias = sorted(sig.inputs)[0]
with open(sys.argv[3], "rb") as f:
    image = f.read()
t = tf.TensorProto(dtype=tf.DT_FLOAT, tensor_shape=shape(1, 224, 224, 3), tensor_content=image)
r = predict.Predict(s.PredictRequest(model_spec=spec("default"), inputs={alias: t}), timeout=60)
out["default"] = floats(r.outputs[sorted(r.outputs)[0]])
print(json.dumps(out))
