# The CDK's python-connector template (airbytehq/airbyte docker-images/Dockerfile.python-connector), for
# this repo: the package built in a first stage and installed non-editable at the versions
# constraints.txt pins (what `make test` ran on), only the installed result in the image, the `airbyte` user of the base image, the console script as entrypoint.
# The platform runs `spec`, `check`, `discover`, `read`. Checked by unit_tests/test_dockerfile.py.
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2

FROM ${BASE_IMAGE} AS builder
WORKDIR /airbyte/integration_code
COPY setup.py constraints.txt ./
COPY source_mentions ./source_mentions
RUN pip install --no-cache-dir -c constraints.txt .

FROM ${BASE_IMAGE}
WORKDIR /airbyte/integration_code
COPY --from=builder /usr/local /usr/local
USER airbyte

ENV AIRBYTE_ENTRYPOINT="source-mentions"
ENTRYPOINT ["source-mentions"]

LABEL io.airbyte.name=airbyte/source-mentions
LABEL io.airbyte.version=0.2.1
