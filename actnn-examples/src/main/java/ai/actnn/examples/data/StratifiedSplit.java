package ai.actnn.examples.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Splits labelled images into train and test so that every class keeps its share in both
 * (stratified), deterministically for a seed. Both splits come out shuffled.
 */
public final class StratifiedSplit {

    private StratifiedSplit() {}

    /**
     * Splits the images.
     *
     * @param all the images
     * @param testFraction the fraction of each class that goes to the test split, in (0, 1)
     * @param seed the seed of the shuffle
     * @return {train, test}
     * @throws IllegalArgumentException for a fraction outside (0, 1)
     */
    public static MnistArrays[] split(MnistArrays all, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction " + testFraction + " must be in (0, 1)");
        }
        Random random = new Random(seed);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < MnistArrays.CLASSES; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < all.count(); i++) {
            byClass.get(all.label(i)).add(i);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (List<Integer> members : byClass) {
            java.util.Collections.shuffle(members, random);
            int testCount = (int) Math.round(members.size() * testFraction);
            test.addAll(members.subList(0, testCount));
            train.addAll(members.subList(testCount, members.size()));
        }
        java.util.Collections.shuffle(train, random);
        java.util.Collections.shuffle(test, random);
        return new MnistArrays[] {all.select(toArray(train)), all.select(toArray(test))};
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
