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

{{/*
apps.revision: the commit of the release pointer, or "" when the environment has no release yet
(then only the platform add-ons render).
*/}}
{{- define "apps.revision" -}}
{{- $revision := (.Values.release | default dict).revision | default "" | toString -}}
{{- if and $revision (not (regexMatch "^[0-9a-f]{40}$" $revision)) -}}
{{- fail (printf "release.revision %q is not a 40-hex commit" $revision) -}}
{{- end -}}
{{- $revision -}}
{{- end -}}

{{/* apps.digest: the released image digest of one service; call with (dict "root" $ "name" .name). */}}
{{- define "apps.digest" -}}
{{- $images := (.root.Values.release | default dict).images | default dict -}}
{{- $digest := required (printf "release.images.%s is required: every service runs the digest e2e tested" .name) (index $images .name) | toString -}}
{{- if not (regexMatch "^sha256:[0-9a-f]{64}$" $digest) -}}
{{- fail (printf "release.images.%s %q is not a sha256 digest" .name $digest) -}}
{{- end -}}
{{- $digest -}}
{{- end -}}
