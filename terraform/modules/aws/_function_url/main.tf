# A layer's Lambda Function URLs, and for each URL that takes no AWS auth the permission
# that lets anyone invoke it.
#
# Two kinds of caller reach a layer's functions over HTTP:
# - callers on AWS sign their requests (auth "AWS_IAM"): the URL alone is enough;
# - callers on another cloud cannot sign AWS requests (auth "NONE"): the URL is public and
#   the function itself verifies the HMAC signature of every request (the boundary's glue
#   secret), so the resource policy must allow lambda:InvokeFunctionUrl to "*".
#
# One call per layer module manages all of that layer's URLs (`urls` is keyed by topology
# name, like ../_function), so the layer's `moved` blocks can move the URLs and permissions
# of the older, copy-pasted shape here without replacing them: a URL that is replaced gets a
# new address, which the other cloud's sender would still have to learn.

locals {
  # Only unauthenticated URLs need the public invoke permission.
  public = { for key, url in var.urls : key => url if url.auth == "NONE" }
}

resource "aws_lambda_function_url" "url" {
  for_each = var.urls

  function_name      = each.value.function_name
  authorization_type = each.value.auth
}

resource "aws_lambda_permission" "public_url" {
  for_each = local.public

  statement_id           = "FunctionUrlHmacProtected"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = each.value.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}
