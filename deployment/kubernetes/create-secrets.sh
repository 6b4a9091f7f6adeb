#!/bin/sh
# Creates the Secrets deployment/kubernetes refers to, with fresh random values, in the current
# kubectl namespace, or in NAMESPACE: ./create-secrets.sh [NAMESPACE]. Prints nothing secret. Run once, before kubectl apply -k.
#   fleetlink-tokens: agent-token-secret and agent-exec-token-secret (each agent's token and exec token
#                     are derived from them per host), api-token (admin), backend-token (platform),
#                     oncall-token (operator), callback-token (sent with callbacks)
#   fleetlink-store:  password (PostgreSQL user fleetlink)
set -eu
namespace=${1:+-n $1}
rand() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }
kubectl $namespace create secret generic fleetlink-tokens \
    --from-literal=agent-token-secret="$(rand)" \
    --from-literal=agent-exec-token-secret="$(rand)" \
    --from-literal=api-token="$(rand)" \
    --from-literal=backend-token="$(rand)" \
    --from-literal=oncall-token="$(rand)" \
    --from-literal=callback-token="$(rand)"
kubectl $namespace create secret generic fleetlink-store \
    --from-literal=password="$(rand)"
echo "created fleetlink-tokens and fleetlink-store; read the API token with:"
echo "  kubectl get secret fleetlink-tokens -o jsonpath='{.data.api-token}' | base64 -d"
echo "each agent's own tokens: fleetlink agent-token <host-id> [--exec] with the admin token (README: Securing a fleet)"
