"""Uses only the server's reflection answers, as grpcurl does: lists the services, fetches the
descriptors of PredictionService, links them in a fresh descriptor pool (each file after the
files it imports: a pool builds a file as it is added), builds a PredictRequest
from them and calls Predict; then asks grpc.health.v1.Health. The reflection and health stubs
come from gRPC's own .proto files (Debian's grpc-proto package), not from ours.
Usage: reflect.py <stubs dir> <host:port>. Prints JSON."""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402
from google.protobuf import message_factory  # noqa: E402
import health_pb2 as h  # noqa: E402
import health_pb2_grpc as hg  # noqa: E402
import reflection_pb2 as r  # noqa: E402
import reflection_pb2_grpc as rg  # noqa: E402

channel = grpc.insecure_channel(sys.argv[2])
stub = rg.ServerReflectionStub(channel)
requests = [r.ServerReflectionRequest(list_services=""),
            r.ServerReflectionRequest(file_containing_symbol="tensorflow.serving.PredictionService"),
            r.ServerReflectionRequest(file_containing_symbol="no.such.Thing"),
            r.ServerReflectionRequest(file_by_filename="no_such.proto")]
answers = list(stub.ServerReflectionInfo(iter(requests), timeout=30))
out = {"services": sorted(s.name for s in answers[0].list_services_response.service),
       "missing": answers[2].error_response.error_code,
       "missing_message": answers[2].error_response.error_message,
       "missing_file": [answers[3].error_response.error_code, answers[3].error_response.error_message]}

pool = descriptor_pool.DescriptorPool()
files = [descriptor_pb2.FileDescriptorProto.FromString(b)
         for b in answers[1].file_descriptor_response.file_descriptor_proto]
out["files"] = [f.name for f in files]
out["dependencies"] = {f.name: list(f.dependency) for f in files}
by_name = {f.name: f for f in files}
linked = set()


def link(f):
    """Adds `f` to the pool after the files it imports, as a pool builds each file on Add."""
    if f.name in linked:
        return
    linked.add(f.name)
    for dep in f.dependency:
        link(by_name[dep])  # a KeyError: the server left out a file it said is imported
    pool.Add(f)


for f in files:
    link(f)
service = pool.FindServiceByName("tensorflow.serving.PredictionService")
out["methods"] = [m.name for m in service.methods]
req_desc = pool.FindMessageTypeByName("tensorflow.serving.PredictRequest")
out["predict_request_fields"] = {f.name: f.number for f in req_desc.fields}
tensor_desc = pool.FindMessageTypeByName("tensorflow.TensorProto")
out["tensor_fields"] = {f.name: f.number for f in tensor_desc.fields}

classes = message_factory.GetMessages(files)
Request = classes["tensorflow.serving.PredictRequest"]
Response = classes["tensorflow.serving.PredictResponse"]
req = Request()
req.model_spec.name = "half_plus_two"
x = req.inputs["x"]
x.dtype = 1
x.tensor_shape.dim.add(size=2)
x.float_val.extend([1.0, 3.0])
call = channel.unary_unary("/tensorflow.serving.PredictionService/Predict",
                           request_serializer=Request.SerializeToString,
                           response_deserializer=Response.FromString)
res = call(req, timeout=30)
out["predict_y"] = list(res.outputs["y"].float_val)

health = hg.HealthStub(channel)
out["health"] = h.HealthCheckResponse.ServingStatus.Name(
    health.Check(h.HealthCheckRequest(service="tensorflow.serving.PredictionService"), timeout=30).status)
try:
    health.Check(h.HealthCheckRequest(service="no.such.Service"), timeout=30)
    out["health_unknown"] = "OK"
except grpc.RpcError as e:
    out["health_unknown"] = e.code().name
print(json.dumps(out))
