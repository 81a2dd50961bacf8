// A real OpenID provider on loopback for the ProConnect journeys (npm `oidc-provider`, a
// certified implementation): one confidential client, Terrain, and a few test accounts. Like
// ProConnect it signs the userinfo response (RS256) and puts the email there.
//
// Usage: node oidc_provider.mjs PORT TERRAIN_BASE
// Sign in on its login page with one of the logins below (any password).
import Provider from "oidc-provider";

const [port, terrain] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  // An administrator Terrain knows already (created with `terrain user create`).
  "agent.lyon": { email: "instruction@ac-lyon.fr", email_verified: true, given_name: "Agent", usual_name: "Lyon" },
  // Someone Terrain has never seen: becomes a lead.
  "nouvelle.personne": { email: "nouvelle.personne@mairie-exemple.fr", email_verified: true, given_name: "Nouvelle", usual_name: "Personne" },
  // An address the provider has not verified: refused.
  "non.verifie": { email: "non.verifie@exemple.fr", email_verified: false, given_name: "Non", usual_name: "Vérifié" },
};

const configuration = {
  clients: [{
    client_id: "terrain",
    client_secret: "terrain-oidc-secret-for-tests-only",
    redirect_uris: [`${terrain}/auth/oidc/callback`],
    post_logout_redirect_uris: [`${terrain}/connexion?session=terminee`],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    userinfo_signed_response_alg: "RS256",
  }],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    given_name: ["given_name"],
    usual_name: ["usual_name"],
  },
  scopes: ["openid", "email", "given_name", "usual_name"],
  features: {
    devInteractions: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  pkce: { required: () => true },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  // The test accounts consent to what Terrain asks.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email given_name usual_name");
    grant.addOIDCClaims(["email", "email_verified", "given_name", "usual_name"]);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
// Loopback over plain HTTP: allowed for this test provider only.
provider.proxy = false;
const server = provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
