package dev.quota.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code quota --version}: the version in the jar's manifest. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Version.class.getPackage().getImplementationVersion();
    return new String[] {"quota " + (version == null ? "(development build)" : version)};
  }
}
