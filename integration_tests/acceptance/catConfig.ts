// The rules Airbyte's connector-acceptance-test applies when it loads acceptance-test-config.yml,
// transcribed from its pydantic models (airbytehq/airbyte,
// airbyte-integrations/bases/connector-acceptance-test/connector_acceptance_test/config.py, read at
// commit 0160924110bacd9c74f9e31d859d6822e1431b7d): every model but GenericTestConfig forbids
// unknown keys (`extra = "forbid"`), which is how `extra_fields`/`extra_records` (removed from
// ExpectedRecordsConfig upstream) stop the suite before any test runs. Types are as strict as the
// models' annotations; pydantic's coercions (a number where a string is declared) are not modelled.
// Paths are resolved as the suite does: from `base_path` if set, else from the folder of the
// config file, which airbyte-ci passes as the connector's root.
import { existsSync, statSync } from "node:fs"
import { isAbsolute, join, normalize, sep } from "node:path"
import { Either, ParseResult, Schema } from "effect"

/** A pydantic `BaseConfig`: unknown keys are an error, whatever the parse options of the caller. */
const forbid = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct(fields).annotations({ parseOptions: { onExcessProperty: "error" } })

const optional = Schema.optional
const Str = Schema.String
const Bool = Schema.Boolean
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const DeploymentMode = Schema.Literal("cloud", "oss")
// SEMVER_REGEX of config.py, anchored at the start only, as pydantic's `regex` (re.match) is. Its
// default "latest" is never validated (pydantic v1 leaves defaults alone); written out, it fails.
const SemVer = Str.pipe(Schema.pattern(/^(0|(?:[1-9]\d*))(?:\.(0|(?:[1-9]\d*))(?:\.(0|(?:[1-9]\d*)))?(?:-([\w][\w.\-_]*))?)?/))

const BackwardCompatibilityTestsConfig = forbid({
  previous_connector_version: optional(SemVer),
  disable_for_version: optional(SemVer)
})

const OAuthTestConfig = forbid({ oauth: optional(Bool), bypass_reason: optional(Str) })

const SpecTestConfig = forbid({
  spec_path: optional(Str),
  config_path: optional(Str),
  timeout_seconds: optional(NonNegativeInt),
  deployment_mode: optional(DeploymentMode),
  backward_compatibility_tests_config: optional(BackwardCompatibilityTestsConfig),
  auth_default_method: optional(OAuthTestConfig)
})

const ConnectionTestConfig = forbid({
  config_path: optional(Str),
  status: optional(Schema.Literal("succeed", "failed", "exception")),
  timeout_seconds: optional(NonNegativeInt),
  deployment_mode: optional(DeploymentMode)
})

const DiscoveryTestConfig = forbid({
  config_path: optional(Str),
  timeout_seconds: optional(NonNegativeInt),
  deployment_mode: optional(DeploymentMode),
  backward_compatibility_tests_config: optional(BackwardCompatibilityTestsConfig),
  validate_primary_keys_data_type: optional(Bool)
})

const ExpectedRecordsConfig = forbid({
  bypass_reason: optional(Str),
  path: optional(Str),
  exact_order: optional(Bool)
}).pipe(
  Schema.filter((c) =>
    c.path !== undefined && c.bypass_reason !== undefined
      ? "You can't set a bypass_reason if a path is set"
      : c.path === undefined && c.bypass_reason === undefined
        ? "A path or a bypass_reason must be set"
        : true
  )
)

const NamedBypass = forbid({ name: Str, bypass_reason: optional(Str) })

const FileTypesConfig = forbid({
  bypass_reason: optional(Str),
  unsupported_types: optional(Schema.Array(forbid({ extension: Str, bypass_reason: optional(Str) }))),
  skip_test: optional(Bool)
})

const ClientContainerConfig = forbid({
  secrets_path: optional(Str),
  client_container_dockerfile_path: optional(Str),
  setup_command: optional(Schema.Array(Str)),
  teardown_command: optional(Schema.Array(Str)),
  between_syncs_command: optional(Schema.Array(Str))
})

const BasicReadTestConfig = forbid({
  config_path: optional(Str),
  deployment_mode: optional(DeploymentMode),
  configured_catalog_path: optional(Str),
  empty_streams: optional(Schema.Array(NamedBypass)),
  expect_records: optional(ExpectedRecordsConfig),
  validate_schema: optional(Bool),
  validate_stream_statuses: optional(Bool),
  validate_state_messages: optional(Bool),
  validate_primary_keys_data_type: optional(Bool),
  fail_on_extra_columns: optional(Bool),
  validate_data_points: optional(Bool),
  expect_trace_message_on_failure: optional(Bool),
  timeout_seconds: optional(NonNegativeInt),
  file_types: optional(FileTypesConfig),
  client_container_config: optional(ClientContainerConfig)
})

const FullRefreshConfig = forbid({
  config_path: optional(Str),
  configured_catalog_path: optional(Str),
  timeout_seconds: optional(NonNegativeInt),
  deployment_mode: optional(DeploymentMode),
  ignored_fields: optional(Schema.Record({ key: Str, value: Schema.Array(NamedBypass) })),
  client_container_config: optional(ClientContainerConfig)
})

const FutureStateConfig = forbid({
  future_state_path: optional(Str),
  missing_streams: optional(Schema.Array(NamedBypass)),
  bypass_reason: optional(Str),
  cursor_format: optional(
    forbid({
      format: optional(Str),
      streams: optional(Schema.Array(forbid({ name: Str, format: optional(Str) })))
    })
  )
})

const IncrementalConfig = forbid({
  config_path: optional(Str),
  configured_catalog_path: optional(Str),
  future_state: optional(FutureStateConfig),
  timeout_seconds: optional(NonNegativeInt),
  deployment_mode: optional(DeploymentMode),
  skip_comprehensive_incremental_tests: optional(Bool),
  client_container_config: optional(ClientContainerConfig)
})

const ConnectorAttributesConfig = forbid({
  timeout_seconds: optional(NonNegativeInt),
  config_path: optional(Str),
  streams_without_primary_key: optional(Schema.Array(NamedBypass)),
  allowed_hosts: optional(forbid({ bypass_reason: optional(Str) })),
  suggested_streams: optional(forbid({ bypass_reason: optional(Str) }))
})

const ConnectorDocumentationConfig = forbid({ timeout_seconds: optional(NonNegativeInt), config_path: optional(Str) })

/**
 * GenericTestConfig is a pydantic GenericModel, not a BaseConfig: unknown keys beside `tests` and
 * `bypass_reason` are ignored there (and only there).
 */
const generic = <A, I>(test: Schema.Schema<A, I>) =>
  Schema.Struct({ bypass_reason: optional(Str), tests: optional(Schema.Array(test)) })
    .annotations({ parseOptions: { onExcessProperty: "ignore" } })
    .pipe(
      Schema.filter((g) =>
        g.tests !== undefined && g.tests.length > 0 && g.bypass_reason !== undefined
          ? "You can't set a bypass_reason if tests are set."
          : true
      )
    )

export const AcceptanceTestConfig = forbid({
  connector_image: Str,
  acceptance_tests: forbid({
    spec: optional(generic(SpecTestConfig)),
    connection: optional(generic(ConnectionTestConfig)),
    discovery: optional(generic(DiscoveryTestConfig)),
    basic_read: optional(generic(BasicReadTestConfig)),
    full_refresh: optional(generic(FullRefreshConfig)),
    incremental: optional(generic(IncrementalConfig)),
    connector_attributes: optional(generic(ConnectorAttributesConfig)),
    connector_documentation: optional(generic(ConnectorDocumentationConfig))
  }),
  base_path: optional(Str),
  test_strictness_level: optional(Schema.Literal("high", "low")),
  custom_environment_variables: optional(Schema.Record({ key: Str, value: Schema.Unknown }))
})
export type AcceptanceTestConfig = typeof AcceptanceTestConfig.Type

/** The config as the suite loads it, or every violation, one a line, each with its key path. */
export const parseAcceptanceTestConfig = (document: unknown): Either.Either<AcceptanceTestConfig, string> => {
  // A root `tests` key is the pre-0.2.12 layout that the suite still migrates; ours must not use it.
  if (typeof document === "object" && document !== null && "tests" in document) return Either.left("tests: the legacy layout")
  return Schema.decodeUnknownEither(AcceptanceTestConfig, { errors: "all" })(document).pipe(
    Either.mapLeft((error) =>
      ParseResult.ArrayFormatter.formatErrorSync(error)
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("\n")
    )
  )
}

/** The keys of a test config that name a file, as the suite's models declare them. */
const PATH_KEYS = new Set(["config_path", "spec_path", "configured_catalog_path", "future_state_path", "client_container_dockerfile_path"])

/** Every file path the config names, with where it is named (`acceptance_tests.spec.tests.0.spec_path`). */
export const namedPaths = (config: AcceptanceTestConfig): Array<{ at: string; path: string }> => {
  const out: Array<{ at: string; path: string }> = []
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) visit(item, `${at}.${i}`)
    else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        const here = `${at}.${key}`
        if (typeof inner === "string" && (PATH_KEYS.has(key) || (key === "path" && at.endsWith(".expect_records"))))
          out.push({ at: here, path: inner })
        else visit(inner, here)
      }
    }
  }
  visit(config.acceptance_tests, "acceptance_tests")
  return out
}

/**
 * Problems with the files the config names, resolved as the suite does from `base_path` or the
 * config's own folder: absolute paths, paths leaving that folder, and missing files.
 */
export const pathProblems = (config: AcceptanceTestConfig, configFolder: string): string[] => {
  const base = config.base_path === undefined ? configFolder : join(configFolder, config.base_path)
  return namedPaths(config).flatMap(({ at, path }) => {
    if (isAbsolute(path)) return [`${at}: ${path} is absolute; paths are relative to the connector's root`]
    const relative = normalize(path)
    if (relative === ".." || relative.startsWith(`..${sep}`)) return [`${at}: ${path} leaves the connector's root`]
    const file = join(base, relative)
    return existsSync(file) && statSync(file).isFile() ? [] : [`${at}: ${path} does not exist relative to the connector's root`]
  })
}
