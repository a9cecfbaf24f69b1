"""AWS adapters: the pipeline core bound to DynamoDB, S3, Lambda and IoT Core (boto3 only,
which the Lambda runtime provides; it is never packaged)."""
