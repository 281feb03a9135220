# wsd-service image: CPU torch first (as ./wsd.sh does), then the project; non-root; indexes
# come from a volume (deploy/kubernetes/). The ONNX bundle is exported at build time so that
# the container runs with a read-only root filesystem and never exports at start.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends wordnet-base \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/wsd-service
# The CPU build of the torch version ./wsd.sh pins (a test keeps the two equal); plain "torch"
# would pull a multi-GB CUDA build.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY wsd_service ./wsd_service
RUN pip install --no-cache-dir .

ENV WSD_CACHE_DIR=/opt/wsd-cache PYTHONDONTWRITEBYTECODE=1
RUN python -c "from wsd_service import Encoder, EncoderConfig; Encoder(EncoderConfig(backend='onnx'))"

RUN useradd --uid 10001 --user-group --no-create-home wsd
USER 10001
EXPOSE 50051 8080 9100
ENTRYPOINT ["wsd-service"]
CMD ["serve", "--host", "0.0.0.0", "--index", "/index/semcor"]
