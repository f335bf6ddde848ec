# Airbyte's Python connector base image; the platform runs `spec`, `check`, `discover`, `read`.
FROM docker.io/airbyte/python-connector-base:4.0.2

WORKDIR /airbyte/integration_code
COPY setup.py main.py ./
COPY source_mentions ./source_mentions
RUN pip install --no-cache-dir .

ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-mentions
LABEL io.airbyte.version=0.1.0
