package dev.baton.agent.it;

/**
 * An application with its own, older ByteBuddy on its class path, generating a class at start-up: the agent's
 * ByteBuddy is relocated under {@code dev.baton.agent.shaded}, so the application gets its own version and the agent
 * works beside it. {@code AgentJarTest} checks the jar's contents; this checks the behaviour.
 */
@JdkMatrix
class AppByteBuddyTest extends ServerTest implements ReloadUnderLoad {

  AppByteBuddyTest(Jdk jdk) {
    super(Server.APP_BYTEBUDDY, jdk);
  }
}
