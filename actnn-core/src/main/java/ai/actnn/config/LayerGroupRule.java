package ai.actnn.config;

import java.util.regex.Pattern;

/** A layer-group rule: site names matching a glob pattern belong to a group. */
record LayerGroupRule(String pattern, Pattern regex, int group) {

    static LayerGroupRule of(String glob, int group) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new LayerGroupRule(glob, Pattern.compile(re.toString()), group);
    }

    boolean matches(String name) {
        return regex.matcher(name).matches();
    }

    @Override
    public String toString() {
        return pattern + "->" + group;
    }
}
