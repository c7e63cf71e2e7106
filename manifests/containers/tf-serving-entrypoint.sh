#!/bin/sh
# Starts tf-serving the way the tensorflow/serving image starts tensorflow_model_server: the model
# comes from MODEL_NAME and MODEL_BASE_PATH, the REST port from PORT, and any arguments given to
# the container are appended as extra flags. Same env, same flags: a Deployment can switch
# between this image and tensorflow/serving without other changes.
set -eu
cd /app
exec bun tf-serving/src/main.ts \
  --rest_api_port="${PORT:-8501}" \
  --model_name="${MODEL_NAME}" \
  --model_base_path="${MODEL_BASE_PATH:-/models}/${MODEL_NAME}" \
  "$@"
