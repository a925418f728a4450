{{/* The Job's and its objects' name: the release name (a run is a release). */}}
{{- define "salvo.fullname" -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/* The run id every shard is given: runId, else the release name. */}}
{{- define "salvo.runId" -}}
{{- .Values.runId | default .Release.Name -}}
{{- end -}}

{{- define "salvo.selectorLabels" -}}
app.kubernetes.io/name: salvo
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "salvo.labels" -}}
{{ include "salvo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "salvo.claimName" -}}
{{- .Values.results.persistence.existingClaim | default (printf "%s-results" (include "salvo.fullname" .)) -}}
{{- end -}}
