import { useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { IdentityApi, SignInPageProps } from '@backstage/core-plugin-api';
import { Button, Grid, Typography } from '@material-ui/core';

/** Must match DEMO_USER_HEADER in the backend's demo sign-in module. */
const DEMO_USER_HEADER = 'x-istio-rollouts-demo-user';
const STORAGE_KEY = 'istio-rollouts-demo/user';

/**
 * The people of the demo (examples/org.yaml): the same service looks
 * different to each of them, which is the point of catalog-based permissions.
 */
export const DEMO_USERS = [
  {
    name: 'alice',
    title: 'Alice, service owner',
    description:
      'Member of team-bookinfo, which owns the demo services: may move their traffic, roll back and scale.',
  },
  {
    name: 'bob',
    title: 'Bob, developer on another team',
    description:
      'Member of team-mobile: sees every service, may request promotions, may not move traffic on services his team does not own.',
  },
  {
    name: 'carol',
    title: 'Carol, platform team',
    description:
      'Member of the platform group: may act on every service and read the release audit.',
  },
] as const;

// Signing out must also forget the chosen person, or the next page load
// would silently sign the same person in again.
function forgetUserOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      window.localStorage.removeItem(STORAGE_KEY);
      await identity.signOut();
    },
  };
}

/**
 * Demo sign-in: pick a catalog user, then sign in through the backend's
 * `demo` provider as that user. Only for the demo app; production uses a
 * real identity provider.
 */
export const DemoSignInPage = (props: SignInPageProps) => {
  const [user, setUser] = useState<string | null>(() =>
    window.localStorage.getItem(STORAGE_KEY),
  );
  const choose = (name: string | null) => {
    if (name) {
      window.localStorage.setItem(STORAGE_KEY, name);
    } else {
      window.localStorage.removeItem(STORAGE_KEY);
    }
    setUser(name);
  };

  if (user) {
    return (
      <ProxiedSignInPage
        {...props}
        provider="demo"
        headers={{ [DEMO_USER_HEADER]: user }}
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgetUserOnSignOut(identity))
        }
        ErrorComponent={({ error }) => (
          <Page themeId="home">
            <Header
              title="Istio Rollouts demo"
              subtitle={`Could not sign in as ${user}`}
            />
            <Content>
              {error && <ResponseErrorPanel error={error} />}
              <Button
                variant="contained"
                color="primary"
                onClick={() => choose(null)}
              >
                Choose another person
              </Button>
            </Content>
          </Page>
        )}
      />
    );
  }

  return (
    <Page themeId="home">
      <Header
        title="Istio Rollouts demo"
        subtitle="Choose who you are: each person has different rights on the demo services"
      />
      <Content>
        <Grid container spacing={3}>
          {DEMO_USERS.map(person => (
            <Grid item xs={12} md={4} key={person.name}>
              <InfoCard title={person.title}>
                <Typography variant="body1" paragraph>
                  {person.description}
                </Typography>
                <Button
                  variant="contained"
                  color="primary"
                  onClick={() => choose(person.name)}
                >
                  Sign in as {person.name}
                </Button>
              </InfoCard>
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
};
