package dev.baton.agent.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a server test class once per {@link Jdk}: its constructor takes the JDK, each of its behaviours runs
 * the server's workers on it. A JDK that is not installed skips its cases with a message.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedClass(name = "{0}")
@EnumSource(Jdk.class)
@interface JdkMatrix {}
