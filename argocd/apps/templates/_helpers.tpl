{{/* The environment, required. */}}
{{- define "apps.env" -}}
{{- required "env is required (staging or prod)" .Values.env -}}
{{- end -}}

{{/* Namespace of the environment's workloads. */}}
{{- define "apps.namespace" -}}
titanium-{{ include "apps.env" . }}
{{- end -}}

{{/* Sync policy every Application shares: automated, pruning, self-healing, retried. */}}
{{- define "apps.syncPolicy" -}}
automated:
  prune: true
  selfHeal: true
syncOptions:
  - CreateNamespace=true
  - PruneLast=true
{{- if .serverSideApply }}
  - ServerSideApply=true
{{- end }}
retry:
  limit: 5
  backoff:
    duration: 10s
    factor: 2
    maxDuration: 3m
{{- end -}}
