// The API Gateway REQUEST authorizer: API key → Allow policy with key_id, role and scopes in the context.
// Local mode runs this same function before every authenticated route, as API Gateway would.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { appDeps } from '../adapters/container.ts';
import { usageKeyValue } from '../core/auth/api-keys.ts';
import { type AuthenticateDeps, authenticate } from '../core/auth/authenticate.ts';
import { UnauthorizedError } from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';

export type AuthorizerDeps = AuthenticateDeps & {
  logger: Logger;
  /** STAGE: part of the usage key value (functions/core/auth/api-keys.ts usageKeyValue). */
  stage: string;
};

export const makeAuthorizerHandler =
  (getDeps: () => Promise<AuthorizerDeps>) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const deps = await getDeps();
    try {
      const principal = await authenticate(deps, event.headers);
      return {
        principalId: principal.keyId,
        // The policy is cached per key for every method, so it allows the whole API; scopes are
        // checked per route by the handlers.
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApiArn(event.methodArn) }],
        },
        context: { key_id: principal.keyId, role: principal.role, scopes: principal.scopes.join(',') },
        // Per-key quotas: the value of the API Gateway API key that meters this key in its role's usage
        // plan. API Gateway reads it only when the API's key source is AUTHORIZER; otherwise it is ignored.
        usageIdentifierKey: usageKeyValue(deps.stage, principal.keyId),
      };
    } catch (err) {
      if (err instanceof UnauthorizedError) {
        deps.logger.info('auth_denied', { path: event.path, reason: err.message });
        // API Gateway's contract: this exact message makes it answer 401.
        throw new Error('Unauthorized');
      }
      deps.logger.error('authorizer_error', { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };

/** arn:aws:execute-api:region:account:api/stage/METHOD/path → arn:…:api/stage/* */
export function wholeApiArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split('/');
  return `${prefix}/${stage}/*`;
}

export const authorizerHandler = makeAuthorizerHandler(async () => {
  const deps = await appDeps();
  return {
    keys: deps.keys,
    logger: deps.logger,
    stage: deps.config.stage,
    settings: { authEnabled: deps.config.authEnabled, apiKeyPepper: deps.config.apiKeyPepper },
  };
});
