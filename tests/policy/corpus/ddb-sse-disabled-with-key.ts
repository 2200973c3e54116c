// A KMS key given with encryption switched off (the key is silently ignored).
// expect: dynamodb-breaker-table-encryption orders-state
import { arn, breaker } from "./support";

breaker({ table: { serverSideEncryption: { enabled: false, kmsKeyArn: arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab") } } });
