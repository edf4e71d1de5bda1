{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "bagpipe-bgp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name when it already contains the chart name. */}}
{{- define "bagpipe-bgp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bagpipe-bgp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "bagpipe-bgp.labels" -}}
helm.sh/chart: {{ include "bagpipe-bgp.chart" . }}
{{ include "bagpipe-bgp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bagpipe-bgp
{{- end }}

{{/* Labels selecting the speaker pods (immutable once installed). */}}
{{- define "bagpipe-bgp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bagpipe-bgp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: speaker
{{- end }}

{{- define "bagpipe-bgp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bagpipe-bgp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Namespace of the Secrets holding TCP-MD5 keys. */}}
{{- define "bagpipe-bgp.secretsNamespace" -}}
{{- default .Release.Namespace .Values.rbac.secretsNamespace }}
{{- end }}

{{- define "bagpipe-bgp.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "true" when a dataplane driver needs the host's OVS sockets. */}}
{{- define "bagpipe-bgp.usesOvs" -}}
{{- if eq .Values.config.dataplane.ipvpn.driver "ovs" }}true{{ end }}
{{- end }}

{{- define "bagpipe-bgp.pyBool" -}}
{{- if . }}True{{ else }}False{{ end }}
{{- end }}
